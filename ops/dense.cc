// The "dense" fusion: matmul → bias_add → relu (the last two optional) as one oneDNN
// matmul with a bias and a ReLU post-op, y = relu(a·W + b). The inner tensors are never
// stored. Backward, with z = a·W + b:
//   dL/dz = dL/dy · [y > 0]   (eltwise backward from y, in place in dL/dy's buffer,
//                              which nothing reads after this kernel)
//   dL/db = 1ᵀ · dL/dz,   dL/dW = aᵀ · dL/dz,   dL/da = dL/dz · Wᵀ
// each one oneDNN matmul over strided views, adding with a sum post-op when needed.
#include "graph/op_registry.h"
#include "runtime/dnnl_util.h"
#include "runtime/fusion.h"

namespace graphrun::ops {
namespace {

using namespace runtime;  // NOLINT: kernels are written in the runtime's vocabulary

bool AcceptDense(const graph::Graph& graph, const std::vector<int>& chain) {
  return !graph.node(chain[0]).attrs.GetBool("transpose_a");
}

class DenseKernel : public StepKernel {
 public:
  absl::Status Prepare(const KernelContext& ctx) override {
    bool bias = false, relu = false;
    for (const graph::Node* n : ctx.chain) {
      bias = bias || n->op->name == "bias_add";
      relu = relu || n->op->name == "relu";
    }
    const bool tb = ctx.chain[0]->attrs.GetBool("transpose_b");
    const Tensor& w = ctx.in[1];
    const int64_t k = tb ? w.shape().dim(1) : w.shape().dim(0), m = tb ? w.shape().dim(0) : w.shape().dim(1);
    const int64_t r = ctx.in[0].size() / k;
    const auto& e = ctx.engine;
    const dnnl::memory::desc a = Matrix(r, k), wd = Matrix(k, m, tb), y = Matrix(r, m), b = Matrix(1, m);
    const std::string shape = Key("", "", r, k, m, tb, bias, relu);
    ASSIGN_OR_RETURN(dnnl::primitive fwd, CachedPrimitive(ctx, "dense/fwd" + shape, [&] {
      dnnl::primitive_attr attr;
      if (relu) {
        dnnl::post_ops ops;
        ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
        attr.set_post_ops(ops);
      }
      const auto desc = bias ? dnnl::matmul::desc(a, wd, b, y) : dnnl::matmul::desc(a, wd, y);
      return dnnl::matmul(dnnl::matmul::primitive_desc(desc, attr, e));
    }));
    Args args = {{DNNL_ARG_SRC, Mem(ctx.in[0], a, e)},
                 {DNNL_ARG_WEIGHTS, Mem(w, wd, e)},
                 {DNNL_ARG_DST, Mem(ctx.out[0], y, e)}};
    if (bias) args[DNNL_ARG_BIAS] = Mem(ctx.in[2], b, e);
    forward_.push_back(Step{fwd, args});
    if (!ctx.training) return absl::OkStatus();

    const Tensor& dz = ctx.d_out[0];  // becomes dL/dz in place
    if (relu) {
      const dnnl::memory::desc flat({r * m}, dt::f32, tag::a);
      ASSIGN_OR_RETURN(dnnl::primitive p, CachedPrimitive(ctx, Key("dense", "relu_bwd", r * m), [&] {
        const auto hint = dnnl::eltwise_forward::primitive_desc(
            dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training,
                                        dnnl::algorithm::eltwise_relu_use_dst_for_bwd, flat, 0.f),
            e);
        return dnnl::eltwise_backward(dnnl::eltwise_backward::primitive_desc(
            dnnl::eltwise_backward::desc(dnnl::algorithm::eltwise_relu_use_dst_for_bwd, flat, flat, 0.f),
            e, hint));
      }));
      backward_.push_back(Step{p, {{DNNL_ARG_DST, Mem(ctx.out[0], flat, e)},
                                   {DNNL_ARG_DIFF_DST, Mem(dz, flat, e)},
                                   {DNNL_ARG_DIFF_SRC, Mem(dz, flat, e)}}});
    }
    auto product = [&](const char* what, const dnnl::memory::desc& x, const dnnl::memory::desc& v,
                       const dnnl::memory::desc& out, bool acc) {
      return CachedPrimitive(ctx, absl::StrCat("dense/", what, acc ? "+" : "", shape), [&] {
        return dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(x, v, out), AccumulateAttr(acc), e));
      });
    };
    if (bias && !ctx.d_in[2].empty()) {  // dL/db = 1ᵀ · dL/dz
      ones_ = Tensor::Allocate({proto::FLOAT32, graph::Shape({r})});
      std::fill(ones_.f32(), ones_.f32() + r, 1.f);
      ASSIGN_OR_RETURN(dnnl::primitive p, product("db", Matrix(1, r), y, b, ctx.accumulate[2]));
      backward_.push_back(Step{p, {{DNNL_ARG_SRC, Mem(ones_, Matrix(1, r), e)},
                                   {DNNL_ARG_WEIGHTS, Mem(dz, y, e)},
                                   {DNNL_ARG_DST, Mem(ctx.d_in[2], b, e)}}});
    }
    if (!ctx.d_in[1].empty() && !tb) {  // dL/dW = aᵀ · dL/dz
      ASSIGN_OR_RETURN(dnnl::primitive p, product("dw", Matrix(k, r, true), y, wd, ctx.accumulate[1]));
      backward_.push_back(Step{p, {{DNNL_ARG_SRC, Mem(ctx.in[0], Matrix(k, r, true), e)},
                                   {DNNL_ARG_WEIGHTS, Mem(dz, y, e)},
                                   {DNNL_ARG_DST, Mem(ctx.d_in[1], wd, e)}}});
    } else if (!ctx.d_in[1].empty()) {  // W stored transposed: dL/dWᵀ = dL/dzᵀ · a (plain dst)
      ASSIGN_OR_RETURN(dnnl::primitive p, product("dwt", Matrix(m, r, true), a, Matrix(m, k), ctx.accumulate[1]));
      backward_.push_back(Step{p, {{DNNL_ARG_SRC, Mem(dz, Matrix(m, r, true), e)},
                                   {DNNL_ARG_WEIGHTS, Mem(ctx.in[0], a, e)},
                                   {DNNL_ARG_DST, Mem(ctx.d_in[1], Matrix(m, k), e)}}});
    }
    if (!ctx.d_in[0].empty()) {  // dL/da = dL/dz · Wᵀ
      const dnnl::memory::desc wt = Matrix(m, k, !tb);
      ASSIGN_OR_RETURN(dnnl::primitive p, product("da", y, wt, a, ctx.accumulate[0]));
      backward_.push_back(Step{p, {{DNNL_ARG_SRC, Mem(dz, y, e)},
                                   {DNNL_ARG_WEIGHTS, Mem(w, wt, e)},
                                   {DNNL_ARG_DST, Mem(ctx.d_in[0], a, e)}}});
    }
    return absl::OkStatus();
  }

 private:
  Tensor ones_;
};

FusionRegistrar dense_fusion({"dense", {"matmul"}, {"bias_add", "relu"}, AcceptDense,
                              [] { return std::unique_ptr<Kernel>(new DenseKernel()); }});

}  // namespace
}  // namespace graphrun::ops
