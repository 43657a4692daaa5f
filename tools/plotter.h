// Drawing figures with the optional plotting helper: graphrun writes what to draw as a
// JSON job and runs tools/plot.py (matplotlib, Debian's python3-matplotlib) on it.
// Nothing but plotting needs Python.
//
//   GRAPHRUN_PYTHON       the interpreter (default /usr/bin/python3, Debian's, which
//                         python3-matplotlib installs into); a name is looked up on PATH
//   GRAPHRUN_PLOT_SCRIPT  the drawing script (default tools/plot.py of the source tree)
#ifndef GRAPHRUN_TOOLS_PLOTTER_H_
#define GRAPHRUN_TOOLS_PLOTTER_H_

#include <string>
#include <vector>

#include "graph/text.h"
#include "absl/status/status.h"

namespace graphrun::tools {

// What to install when drawing is not possible.
inline constexpr char kPlotInstallHint[] =
    "apt-get install python3-matplotlib (or run bash tools/setup.sh)";

// Every figure is this many pixels (tools/plot.py: 10×7 inches at 100 dpi).
inline constexpr int kFigureWidth = 1000;
inline constexpr int kFigureHeight = 700;

// JSON text of a job's values.
std::string JsonNumber(double v);  // null when not finite
std::string JsonNumbers(const std::vector<double>& v);
std::string JsonStrings(const std::vector<std::string>& v);

// One figure: a JSON object with "kind" and "path" and the kind's data (tools/plot.py
// documents the kinds).
using Figure = std::string;

// OK when the interpreter runs and imports matplotlib; otherwise FailedPrecondition
// saying what to install.
absl::Status CheckPlotting();

// Draws the figures in one run of the script. A missing interpreter or matplotlib is
// FailedPrecondition naming the package to install; the script's own errors (an
// unwritable file) are printed by it and returned as Internal.
absl::Status DrawFigures(const std::vector<Figure>& figures);

}  // namespace graphrun::tools

#endif  // GRAPHRUN_TOOLS_PLOTTER_H_
