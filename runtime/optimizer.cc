#include "runtime/optimizer.h"

#include "absl/strings/str_cat.h"
#include "graph/status.h"

namespace graphrun::runtime {

absl::StatusOr<std::unique_ptr<Sgd>> Sgd::Create(ParamStore* params, const proto::Sgd& config) {
  std::unique_ptr<Sgd> sgd(new Sgd());
  sgd->params_ = params;
  sgd->negative_rate_ = Tensor::Allocate({proto::FLOAT32, graph::Shape({1})});
  const dnnl::engine& e = CpuEngine().engine;
  const float mu = config.momentum();
  Tensor mu_scalar;
  if (mu > 0) {
    mu_scalar = Tensor::Allocate({proto::FLOAT32, graph::Shape({1})});
    mu_scalar.f32()[0] = mu;
  }
  const dnnl::memory::desc scalar({1}, dt::f32, tag::a);
  for (int id : params->ids()) {
    if (!params->graph().value(id).trainable) continue;
    const int64_t n = params->value(id).size();
    const dnnl::memory::desc v({n}, dt::f32, tag::a);
    Tensor direction = params->grad(id);
    dnnl::primitive prim;
    RETURN_IF_ERROR(DnnlCall("optimizer", [&] {
      prim = PrimitiveCache::Global().Get(Key("sgd", "update", n), [&] {
        return dnnl::binary(dnnl::binary::primitive_desc(
            dnnl::binary::desc(dnnl::algorithm::binary_mul, v, scalar, v), AccumulateAttr(true), e));
      });
    }));
    if (mu > 0) {
      // v ← v·μ + g: a binary mul with a binary-add post-op of the gradient.
      Tensor velocity = Tensor::Allocate(params->value(id).type());
      dnnl::primitive m;
      RETURN_IF_ERROR(DnnlCall("optimizer", [&] {
        m = PrimitiveCache::Global().Get(Key("sgd", "momentum", n), [&] {
          dnnl::post_ops ops;
          ops.append_binary(dnnl::algorithm::binary_add, v);
          dnnl::primitive_attr attr;
          attr.set_post_ops(ops);
          return dnnl::binary(dnnl::binary::primitive_desc(
              dnnl::binary::desc(dnnl::algorithm::binary_mul, v, scalar, v), attr, e));
        });
      }));
      sgd->momentum_.push_back(Step{m, {{DNNL_ARG_SRC_0, Mem(velocity, v, e)},
                                        {DNNL_ARG_SRC_1, Mem(mu_scalar, scalar, e)},
                                        {DNNL_ARG_DST, Mem(velocity, v, e)},
                                        {DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1,
                                         Mem(params->grad(id), v, e)}}});
      sgd->velocity_.emplace_back(id, velocity);
      direction = velocity;
    }
    // W ← W + (−η)·direction
    sgd->update_.push_back(Step{prim, {{DNNL_ARG_SRC_0, Mem(direction, v, e)},
                                       {DNNL_ARG_SRC_1, Mem(sgd->negative_rate_, scalar, e)},
                                       {DNNL_ARG_DST, Mem(params->value(id), v, e)}}});
  }
  return sgd;
}

void Sgd::Update(double rate) {
  dnnl::stream& stream = CpuEngine().stream;
  negative_rate_.f32()[0] = static_cast<float>(-rate);
  for (const auto& s : momentum_) s.Run(stream);
  for (const auto& s : update_) s.Run(stream);
  stream.wait();
}

std::vector<std::pair<int, Tensor>> Sgd::state() const { return velocity_; }

}  // namespace graphrun::runtime
