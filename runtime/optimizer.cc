#include "runtime/optimizer.h"

#include "absl/strings/str_cat.h"
#include "graph/status.h"

namespace graphrun::runtime {

namespace {
Tensor Scalar(float value) {
  Tensor t = Tensor::Allocate({proto::FLOAT32, graph::Shape({1})});
  t.f32()[0] = value;
  return t;
}
}  // namespace

absl::Status Sgd::AddScaled(const Tensor& x, const Tensor& a, const Tensor& y, const Tensor& b,
                            const Tensor& dst, int64_t offset, int64_t size) {
  if (size == 0) return absl::OkStatus();
  const dnnl::engine& e = CpuEngine().engine;
  const dnnl::memory::desc v({size}, dt::f32, tag::a), s({1}, dt::f32, tag::a);
  dnnl::primitive prim;
  RETURN_IF_ERROR(DnnlCall("optimizer", [&] {
    prim = PrimitiveCache::Global().Get(Key("sgd", "axpby", size), [&] {
      dnnl::primitive_attr attr;
      attr.set_scales(DNNL_ARG_SRC_0, 0, {DNNL_RUNTIME_F32_VAL});
      attr.set_scales(DNNL_ARG_SRC_1, 0, {DNNL_RUNTIME_F32_VAL});
      return dnnl::binary(dnnl::binary::primitive_desc(
          dnnl::binary::desc(dnnl::algorithm::binary_add, v, v, v), attr, e));
    });
  }));
  auto at = [&](const Tensor& t) { return dnnl::memory(v, e, t.f32() + offset); };
  steps_.push_back(Step{prim, {{DNNL_ARG_SRC_0, at(x)},
                               {DNNL_ARG_SRC_1, at(y)},
                               {DNNL_ARG_DST, at(dst)},
                               {DNNL_ARG_ATTR_INPUT_SCALES | DNNL_ARG_SRC_0, Mem(a, s, e)},
                               {DNNL_ARG_ATTR_INPUT_SCALES | DNNL_ARG_SRC_1, Mem(b, s, e)}}});
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Sgd>> Sgd::Create(ParamStore* params, const proto::Sgd& config,
                                                 double weight_decay) {
  std::unique_ptr<Sgd> sgd(new Sgd());
  sgd->weight_decay_ = weight_decay;
  sgd->momentum_ = config.momentum();
  sgd->keep_ = Scalar(1.f);
  sgd->minus_rate_ = Scalar(0.f);
  sgd->one_ = Scalar(1.f);
  sgd->mu_ = Scalar(sgd->momentum_);
  sgd->two_lambda_ = Scalar(static_cast<float>(2 * weight_decay));
  const Tensor& w = params->value_arena();
  const Tensor& g = params->grad_arena();
  const ParamSegment decayed = params->decayed(), plain = params->undecayed();
  if (sgd->momentum_ == 0) {
    RETURN_IF_ERROR(sgd->AddScaled(w, sgd->keep_, g, sgd->minus_rate_, w, decayed.offset, decayed.size));
    RETURN_IF_ERROR(sgd->AddScaled(w, sgd->one_, g, sgd->minus_rate_, w, plain.offset, plain.size));
    return sgd;
  }
  sgd->velocity_arena_ = Tensor::Allocate(w.type());
  const Tensor& v = sgd->velocity_arena_;
  for (int id : params->ids()) {
    if (!params->graph().value(id).trainable) continue;
    const int64_t offset = params->value(id).f32() - w.f32();
    sgd->velocity_.emplace_back(id, Tensor::View(params->value(id).type(), v.f32() + offset));
  }
  const int64_t all = decayed.size + plain.size;
  RETURN_IF_ERROR(sgd->AddScaled(v, sgd->mu_, g, sgd->one_, v, 0, all));                  // v = μv + g
  RETURN_IF_ERROR(sgd->AddScaled(v, sgd->one_, w, sgd->two_lambda_, v, decayed.offset, decayed.size));  // + 2λW
  RETURN_IF_ERROR(sgd->AddScaled(w, sgd->one_, v, sgd->minus_rate_, w, 0, all));          // W -= ηv
  return sgd;
}

void Sgd::Update(double rate) {
  dnnl::stream& stream = CpuEngine().stream;
  minus_rate_.f32()[0] = static_cast<float>(-rate);
  keep_.f32()[0] = static_cast<float>(1 - 2 * rate * weight_decay_);
  for (const auto& s : steps_) s.Run(stream);
  stream.wait();
}

std::vector<std::pair<int, Tensor>> Sgd::state() const { return velocity_; }

}  // namespace graphrun::runtime
