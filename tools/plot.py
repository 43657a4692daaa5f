#!/usr/bin/python3
"""Draws graphrun's figures with matplotlib: graphrun's optional plotting helper.

graphrun (tools/plotter.cc) reads the run directories itself and writes what to draw as
a JSON job; this script only draws. Usage:

    plot.py JOB.json    draw every figure of the job
    plot.py --check     exit 0 when matplotlib can be imported

A job is {"figures": [FIGURE, ...]}. Every figure has "kind", "path" (the output file;
the format follows its extension), "title" and "subtitle" (a line under the title), and
is 1000x700 pixels (10x7 inches at 100 dpi). The kinds:

  schedule  the learning rate against the update step: "curve" {"steps", "rates"} (the
            rate is linear between these knots), optional "log_points" {"steps",
            "rates"} (where the run evaluated), "logged_label", "cycles" [{"start",
            "end", "label"}], "stopped_at" (the step an unfinished run reached),
            "curve_label", "epoch_steps" (updates per epoch, for a top axis).
  loss      "steps", "train_loss", "val_loss", "train_cost", "val_cost", "epoch_steps".
  accuracy  "steps", "train_accuracy", "val_accuracy" (fractions), "test_accuracy"
            (fraction or null), "epoch_steps".
  bars      one bar per run: "labels", "values" (null: not available), "ylabel",
            "unit" ("percent": values are fractions shown as %; "seconds").

Exit status: 0 drawn; 3 matplotlib (or numpy) cannot be imported; 4 an output file
cannot be written; 2 a malformed job.
"""

import json
import math
import os
import sys
import textwrap

EXIT_MISSING_MODULE = 3
EXIT_CANNOT_WRITE = 4
EXIT_BAD_JOB = 2

WIDTH_IN, HEIGHT_IN, DPI = 10, 7, 100  # 1000x700 pixels

TRAIN = "#1f77b4"       # blue
VALIDATION = "#ff7f0e"  # orange
TEST = "#2ca02c"        # green
RATE = "#6a3d9a"        # purple


def import_matplotlib():
    try:
        import matplotlib
        matplotlib.use("Agg")  # files only; no display needed
        import matplotlib.pyplot as pyplot
        import numpy  # noqa: F401  (matplotlib needs it; fail here with a clear message)
    except Exception as error:  # ImportError, or a broken installation
        print(f"plot.py: cannot import matplotlib: {error}", file=sys.stderr)
        sys.exit(EXIT_MISSING_MODULE)
    return pyplot


def values(seq):
    """JSON nulls (non-finite numbers) become NaN, which matplotlib leaves out."""
    return [math.nan if v is None else v for v in seq]


def new_figure(plt, fig_spec, rows=1, cols=1):
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI,
                             layout="constrained", squeeze=False)
    title = fig_spec.get("title", "")
    subtitle = fig_spec.get("subtitle", "")
    lines = [title] + textwrap.wrap(subtitle, width=100)
    fig.suptitle("\n".join(lines), fontsize=14)
    return fig, [ax for row in axes for ax in row]


def epoch_axis(ax, epoch_steps):
    """An 'epoch' axis on top when the number of updates per epoch is known."""
    if not epoch_steps:
        return
    top = ax.secondary_xaxis("top", functions=(lambda s: s / epoch_steps,
                                               lambda e: e * epoch_steps))
    top.set_xlabel("epoch")


def style(ax, xlabel, ylabel, title=None):
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)


def draw_schedule(plt, f):
    fig, (ax,) = new_figure(plt, f)
    for i, cycle in enumerate(f.get("cycles") or []):
        if i % 2 == 0:
            ax.axvspan(cycle["start"], cycle["end"], color="0.93", zorder=0)
    curve = f["curve"]
    ax.plot(curve["steps"], curve["rates"], color=RATE, linewidth=2, zorder=2,
            label=f.get("curve_label") or "learning rate")
    logged = f.get("log_points")
    if logged and logged["steps"]:
        many = len(logged["steps"]) > 60  # dense log points: small dots under the line
        ax.plot(logged["steps"], values(logged["rates"]), "o", color=TEST,
                markersize=2 if many else 5, zorder=1 if many else 3,
                label=f.get("logged_label") or "evaluations (log points)")
    top = max(curve["rates"]) if curve["rates"] else 1
    cycles = f.get("cycles") or []
    if 0 < len(cycles) <= 12:
        for cycle in cycles:
            ax.annotate(cycle["label"], xy=((cycle["start"] + cycle["end"]) / 2, 1.0),
                        xycoords=("data", "axes fraction"), xytext=(0, -4),
                        textcoords="offset points", ha="center", va="top", fontsize=9,
                        color="0.35")
    stopped = f.get("stopped_at")
    if stopped is not None:
        ax.axvline(stopped, color="#d62728", linestyle="--", linewidth=1.5,
                   label=f"run stopped at step {stopped}")
    ax.set_ylim(0, top * 1.12)
    ax.set_xlim(left=0)
    style(ax, "update step", "learning rate η")
    epoch_axis(ax, f.get("epoch_steps"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=3, frameon=False)
    return fig


def draw_loss(plt, f):
    fig, (left, right) = new_figure(plt, f, 1, 2)
    steps = f["steps"]
    for ax, name, what in ((left, "loss", "loss (cross-entropy)"),
                           (right, "cost", "cost (loss + L2 penalty)")):
        ax.plot(steps, values(f[f"train_{name}"]), "-o", color=TRAIN, markersize=3,
                label=f"training {name}")
        ax.plot(steps, values(f[f"val_{name}"]), "-o", color=VALIDATION, markersize=3,
                label=f"validation {name}")
        style(ax, "update step", what)
        epoch_axis(ax, f.get("epoch_steps"))
        ax.legend(loc="upper right")
    return fig


def draw_accuracy(plt, f):
    fig, (ax,) = new_figure(plt, f)
    steps = f["steps"]
    percent = lambda seq: [100 * v for v in values(seq)]  # noqa: E731
    ax.plot(steps, percent(f["train_accuracy"]), "-o", color=TRAIN, markersize=3,
            label="training accuracy")
    ax.plot(steps, percent(f["val_accuracy"]), "-o", color=VALIDATION, markersize=3,
            label="validation accuracy")
    test = f.get("test_accuracy")
    if test is not None:
        ax.axhline(100 * test, color=TEST, linestyle="--", linewidth=1.5,
                   label=f"test accuracy {100 * test:.2f} % (end of training)")
    else:
        ax.plot([], [], " ", label="test accuracy: not available (unfinished run)")
    style(ax, "update step", "accuracy (%)")
    epoch_axis(ax, f.get("epoch_steps"))
    ax.legend(loc="lower right")
    return fig


def draw_bars(plt, f):
    fig, (ax,) = new_figure(plt, f)
    labels = f["labels"]
    raw = values(f["values"])
    percent = f.get("unit") == "percent"
    shown = [100 * v if percent else v for v in raw]
    colors = [plt.get_cmap("tab10")(i % 10) for i in range(len(labels))]
    positions = range(len(labels))
    bars = ax.bar(positions, [0 if math.isnan(v) else v for v in shown], color=colors,
                  edgecolor="0.2", width=0.6)
    finite = [v for v in shown if not math.isnan(v)]
    top = max(finite) if finite else 1
    for bar, v in zip(bars, shown):
        x = bar.get_x() + bar.get_width() / 2
        if math.isnan(v):
            ax.text(x, top * 0.02, "n/a", ha="center", va="bottom", color="#d62728")
        else:
            text = f"{v:.2f} %" if percent else f"{v:.1f} s"
            ax.text(x, v + top * 0.01, text, ha="center", va="bottom", fontsize=11)
    ax.set_xticks(list(positions), labels, rotation=0 if len(labels) <= 6 else 30,
                  ha="center" if len(labels) <= 6 else "right")
    ax.set_ylim(0, min(108, top * 1.15) if percent else top * 1.15)
    ax.set_ylabel(f.get("ylabel", ""))
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    return fig


DRAW = {"schedule": draw_schedule, "loss": draw_loss, "accuracy": draw_accuracy,
        "bars": draw_bars}


def save(plt, fig, path):
    """Writes beside the target and renames, so that a file is whole or absent."""
    extension = os.path.splitext(path)[1].lstrip(".").lower() or "png"
    temporary = f"{path}.tmp-{os.getpid()}"
    try:
        fig.savefig(temporary, dpi=DPI, format=extension)
        os.replace(temporary, path)
    except OSError as error:
        print(f"plot.py: cannot write {path}: {error.strerror or error}", file=sys.stderr)
        try:
            os.remove(temporary)
        except OSError:
            pass
        sys.exit(EXIT_CANNOT_WRITE)
    finally:
        plt.close(fig)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return EXIT_BAD_JOB
    plt = import_matplotlib()
    if argv[1] == "--check":
        return 0
    try:
        with open(argv[1], encoding="utf-8") as job_file:
            job = json.load(job_file)
        figures = job["figures"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"plot.py: cannot read the job {argv[1]}: {error}", file=sys.stderr)
        return EXIT_BAD_JOB
    for f in figures:
        draw = DRAW.get(f.get("kind"))
        if draw is None:
            print(f"plot.py: unknown figure kind {f.get('kind')!r}", file=sys.stderr)
            return EXIT_BAD_JOB
        save(plt, draw(plt, f), f["path"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
