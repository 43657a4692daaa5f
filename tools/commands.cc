// The table of subcommands: name, synopsis, help text, accepted flags, entry point.
#include "tools/cli.h"
#include "tools/commands.h"

namespace graphrun::tools {

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"train", "train MODEL | train --resume RUN_DIR",
       "train a model on CIFAR-10 as its training section says",
       "Mini-batch SGD with the model's schedule, L2 penalty and label smoothing; reshuffles\n"
       "every epoch from the seed. At every log point (n_s/2 updates of the current cycle,\n"
       "or training.log_every) it evaluates loss, cost and accuracy on the whole training and\n"
       "validation splits, appends them to metrics.csv and saves a checkpoint; at the end it\n"
       "reports the test accuracy and the training time (updates only) apart from the whole\n"
       "run's. A terminal shows a live progress line. Ctrl-C (or SIGTERM) stops after the\n"
       "current update, saves a checkpoint and exits 130 (143); --resume continues it.\n"
       "The run directory holds model.pbtxt (as resolved), metrics.csv, checkpoint.bin and,\n"
       "at the end, summary.json.",
       {"out_dir", "resume", "max_steps", "data_dir", "set", "seed"}, 0, 1, RunTrain},
      {"eval", "eval [MODEL] --checkpoint RUN_DIR",
       "test accuracy, per-class accuracy and the confusion matrix of a checkpoint",
       "MODEL defaults to the run directory's model.pbtxt; it must be the checkpoint's graph.",
       {"checkpoint", "data_dir", "set"}, 0, 1, RunEval},
      {"time", "time MODEL",
       "time every op's forward and backward and the whole training step, like `caffe time`",
       "Runs --steps training steps (after warm-up) on random data with batch --batch and\n"
       "prints, per op, the median forward and backward time, its share of the step and its\n"
       "GFLOP/s, then the step's forward, backward and update times. --json prints one JSON\n"
       "object instead: step_ms, forward_ms, backward_ms, update_ms, gflops and ops.",
       {"steps", "batch", "json", "set"}, 1, 1, RunTime},
      {"plot", "plot RUN_DIR [RUN_DIR ...]",
       "draw a run's learning rate, loss and accuracy curves (PNG); compare several runs",
       "Reads what a run wrote (metrics.csv, summary.json, model.pbtxt) and draws, into each\n"
       "RUN_DIR: lr.png (the learning rate of the run's schedule against the update step,\n"
       "with the logged points), loss.png (training and validation loss and cost) and\n"
       "accuracy.png (training and validation accuracy, the final test accuracy as a line).\n"
       "An unfinished run (no summary.json) is drawn up to its last logged step; its test\n"
       "accuracy is reported as not available. With two or more runs it also writes, into\n"
       "--out (default runs/compare-<YYYYmmdd-HHMMSS>): compare_accuracy.png and\n"
       "compare_time.png (one bar per run, labelled by model, f, nf, nh) and compare.md (a\n"
       "table: model, f, nf, nh, steps, test accuracy, training seconds, run). With one run,\n"
       "--out is where its three PNGs go (default: the run directory).\n"
       "Figures are 1000x700-pixel PNGs drawn by tools/plot.py with matplotlib (Debian's\n"
       "python3-matplotlib; $GRAPHRUN_PYTHON names another interpreter); without it, plot says\n"
       "what to install and exits 1.",
       {"out"}, 1, -1, RunPlot},
      {"compare", "compare MODEL MODEL ...",
       "train several model files one after another, then plot and tabulate them side by side",
       "Loads every MODEL first (a bad file stops it before any training), then trains them\n"
       "one after another with the same --data_dir, --set, --seed and --max_steps, each into\n"
       "its own run directory runs/<model>-<YYYYmmdd-HHMMSS> (printed), as `graphrun train`\n"
       "does, and finally does what `graphrun plot` does with all the runs: each run's\n"
       "lr.png, loss.png, accuracy.png, and compare.md, compare_accuracy.png and\n"
       "compare_time.png in --out (default runs/compare-<YYYYmmdd-HHMMSS>). Example, the\n"
       "study's Figures 1 and 2: graphrun compare models/arch{1,2,3,4}.pbtxt\n"
       "Ctrl-C stops the current run (resumable with train --resume) and the comparison.",
       {"out", "data_dir", "set", "seed", "max_steps"}, 2, -1, RunCompare},
      {"schedule", "schedule MODEL", "print and plot the learning rate of a model's schedule",
       "Prints the schedule of MODEL's training section (with --set applied): its kind, the\n"
       "run's length in updates and epochs, the learning rate at every step where its slope\n"
       "changes (it is linear in between) and the log points where training evaluates; then\n"
       "draws it into --out (a .png, .svg or .pdf; default schedule-<model>.png in the\n"
       "current directory). Nothing is trained. The study's Figures 3 and 7:\n"
       "graphrun schedule models/arch2.pbtxt; graphrun schedule models/arch5.pbtxt",
       {"out", "set"}, 1, 1, RunSchedule},
      {"summary", "summary MODEL",
       "print each node's op, output shape, parameter count and forward FLOPs per sample",
       "Loads and validates MODEL (every problem is reported with its file and line), infers\n"
       "shapes with the batch dimension N symbolic, and prints one row per node with totals.",
       {"set", "seed"}, 1, 1, RunSummary},
      {"gradcheck", "gradcheck MODEL | gradcheck --reference FILE.npz",
       "check gradients: oneDNN vs a double-precision reference, and vs finite differences",
       "For MODEL, prints one row per intermediate tensor and per parameter gradient:\n"
       "  (a) the oneDNN float32 result against the double-precision reference (forward\n"
       "      values, parameter gradients), and\n"
       "  (b) the reference's analytic gradient against centred finite differences in double\n"
       "      precision (five-point stencil; elements where a ReLU kink lies within the step\n"
       "      are skipped and counted).\n"
       "Columns: max |diff|, mean |diff|, max rel = max|diff| / max|reference| over the tensor.\n"
       "Tolerances: (a) max rel <= 1e-4, (b) max rel <= 1e-6; exit 1 when a row exceeds them.\n"
       "Inputs are random (N(0,1) images, uniform labels) unless --data_dir is given.\n\n"
       "With --reference FILE.npz (the study's debug layout: X, y/Y, Fs_flat, W1, b1, W2, b2\n"
       "and the tensors to compare), builds that network from the file's shapes, loads its\n"
       "weights, runs forward and backward on its X and y, and prints the study's Table 1;\n"
       "exit 1 when a relative difference exceeds 1e-5.",
       {"samples", "params", "data_dir", "reference", "fd_elements", "set", "seed"}, 0, 1,
       RunGradcheck},
      {"dump", "dump MODEL --out FILE.npz",
       "write every tensor of one forward and backward pass as a NumPy .npz",
       "Runs MODEL on the first --samples training images (normalised as for training) and\n"
       "writes, as arrays numpy.load reads: each input and each node's output under its name\n"
       "(a second output as \"node:name\"), each parameter as \"param/<name>\", each\n"
       "parameter gradient as \"grad/<name>\", \"loss\" and \"cost\" (loss + L2 penalty).\n"
       "--params loads parameter values from an .npz of named arrays (a dump's own param/\n"
       "arrays work), so the same weights can be fed to another implementation.",
       {"out", "samples", "params", "data_dir", "set", "seed"}, 1, 1, RunDump},
      {"ops", "ops", "list the registered ops with their inputs, outputs and attributes", "", {},
       0, 0, RunOps},
  };
  return commands;
}

}  // namespace graphrun::tools

