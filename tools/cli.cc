#include "tools/cli.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <new>
#include <set>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "graph/names.h"
#include "tools/flags.h"

namespace graphrun::tools {

namespace {

constexpr char kIntro[] =
    "graphrun: train, evaluate, check and time computation graphs declared in model files\n"
    "(protobuf text, models/*.pbtxt), with reverse-mode autodiff on oneDNN primitives.\n";

const Command* FindCommand(const std::string& name) {
  for (const Command& c : Commands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

std::vector<std::string> CommandNames() {
  std::vector<std::string> names;
  for (const Command& c : Commands()) names.push_back(c.name);
  return names;
}

// "  --steps=INT (default 100)\n      help text"
std::string DescribeFlag(const char* name) {
  const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
  if (flag == nullptr) return absl::StrCat("  --", name, "\n");
  std::string type = flag->IsOfType<bool>() ? "" : "=VALUE";
  std::string out = absl::StrCat("  --", name, type);
  const std::string def = flag->DefaultValue();
  if (!def.empty()) absl::StrAppend(&out, "  (default ", def, ")");
  absl::StrAppend(&out, "\n");
  for (absl::string_view line : absl::StrSplit(flag->Help(), '\n')) {
    absl::StrAppend(&out, "      ", line, "\n");
  }
  return out;
}

void PrintCommandHelp(const Command& c, std::FILE* out) {
  std::string text = absl::StrCat("usage: graphrun ", c.synopsis, c.flags.empty() ? "" : " [flags]",
                                  "\n\n", c.summary, ".\n");
  if (c.description[0] != '\0') absl::StrAppend(&text, "\n", c.description, "\n");
  if (!c.flags.empty()) {
    absl::StrAppend(&text, "\nflags:\n");
    for (const char* f : c.flags) absl::StrAppend(&text, DescribeFlag(f));
  }
  std::fputs(text.c_str(), out);
}

void PrintGeneralHelp(std::FILE* out) {
  std::string text = absl::StrCat(kIntro, "\nusage: graphrun COMMAND [ARGS] [flags]\n\ncommands:\n");
  size_t width = 0;
  for (const Command& c : Commands()) width = std::max(width, std::string(c.synopsis).size());
  for (const Command& c : Commands()) {
    std::string synopsis = c.synopsis;
    absl::StrAppend(&text, "  ", synopsis, std::string(width + 2 - synopsis.size(), ' '), c.summary,
                    "\n");
  }
  // Every flag once, with the commands that take it.
  std::map<std::string, std::vector<std::string>> users;
  for (const Command& c : Commands()) {
    for (const char* f : c.flags) users[f].push_back(c.name);
  }
  absl::StrAppend(&text, "\nflags (`graphrun help COMMAND` shows one command's):\n");
  for (const auto& [flag, commands] : users) {
    std::string d = DescribeFlag(flag.c_str());
    absl::StrAppend(&text, d.substr(0, d.find('\n')), "  [", absl::StrJoin(commands, ", "), "]",
                    d.substr(d.find('\n')));
  }
  absl::StrAppend(&text,
                  "\nexit status: 0 success; 1 failure (the message names the file, line, node or "
                  "flag); 2 usage error; 130/143 interrupted after saving.\n");
  std::fputs(text.c_str(), out);
}

// Sets one flag from the command line; a usage error names the flag and the problem.
// The repeatable --set collects its occurrences in `set` whole (its values may hold
// commas: --set l2.params=F,W1).
int SetFlag(const Command& c, const std::string& name, const std::string& value, bool has_value,
            std::vector<std::string>* set) {
  absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
  std::string error;
  std::string v = value;
  if (flag->IsOfType<bool>() && !has_value) v = "true";
  if (name == "set") {
    set->push_back(value);
    return kExitOk;
  }
  if (!flag->ParseFrom(v, &error)) {
    return UsageError(c.name, absl::StrCat("--", name, "=", value, ": ", error));
  }
  return kExitOk;
}

}  // namespace

int Fail(const absl::Status& status) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
  return kExitFailure;
}

int UsageError(const std::string& command, const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "graphrun%s%s: %s\nRun `graphrun help%s%s` for usage.\n",
               command.empty() ? "" : " ", command.c_str(), message.c_str(),
               command.empty() ? "" : " ", command.c_str());
  return kExitUsage;
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    PrintGeneralHelp(stderr);
    return kExitUsage;
  }
  const std::string first = argv[1];
  if (first == "--help" || first == "-h" || first == "-help" || first == "--helpfull") {
    PrintGeneralHelp(stdout);
    return kExitOk;
  }
  if (first == "help") {
    if (argc == 2) {
      PrintGeneralHelp(stdout);
      return kExitOk;
    }
    const Command* c = FindCommand(argv[2]);
    if (c == nullptr) {
      return UsageError("", absl::StrCat("unknown command '", argv[2], "'",
                                         Suggest(argv[2], CommandNames())));
    }
    PrintCommandHelp(*c, stdout);
    return kExitOk;
  }
  const Command* c = FindCommand(first);
  if (c == nullptr) {
    return UsageError("", absl::StrCat("unknown command '", first, "'",
                                       Suggest(first, CommandNames())));
  }
  std::vector<std::string> accepted(c->flags.begin(), c->flags.end());
  Args args;
  std::vector<std::string> set;  // the --set assignments, in order
  bool flags_done = false;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-') {
      args.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    const size_t eq = body.find('=');
    std::string name = body.substr(0, eq);
    const bool has_value = eq != std::string::npos;
    std::string value = has_value ? body.substr(eq + 1) : "";
    if (name == "help" || name == "h") {
      PrintCommandHelp(*c, stdout);
      return kExitOk;
    }
    bool negated = false;
    if (std::find(accepted.begin(), accepted.end(), name) == accepted.end() &&
        absl::StartsWith(name, "no")) {
      const std::string positive = name.substr(2);
      const absl::CommandLineFlag* f = absl::FindCommandLineFlag(positive);
      if (f != nullptr && f->IsOfType<bool>() &&
          std::find(accepted.begin(), accepted.end(), positive) != accepted.end() && !has_value) {
        name = positive;
        negated = true;
      }
    }
    if (std::find(accepted.begin(), accepted.end(), name) == accepted.end()) {
      const bool exists = absl::FindCommandLineFlag(name) != nullptr;
      return UsageError(c->name, exists ? absl::StrCat("flag --", name, " does not apply to '",
                                                       c->name, "'")
                                        : absl::StrCat("unknown flag --", name,
                                                       Suggest(name, accepted)));
    }
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (negated) {
      value = "false";
    } else if (!has_value && !flag->IsOfType<bool>()) {
      if (i + 1 >= argc) return UsageError(c->name, absl::StrCat("flag --", name, " needs a value"));
      value = argv[++i];
    }
    if (int rc = SetFlag(*c, name, value, has_value || negated, &set); rc != kExitOk) return rc;
  }
  if (!set.empty()) absl::SetFlag(&FLAGS_set, set);
  const int n = static_cast<int>(args.size());
  if (n < c->min_args || (c->max_args >= 0 && n > c->max_args)) {
    return UsageError(c->name, absl::StrCat("expected ", c->synopsis, ", got ", n, " argument",
                                            n == 1 ? "" : "s"));
  }
  try {
    if (absl::Status ranges = CheckFlagRanges(); !ranges.ok()) {
      return UsageError(c->name, std::string(ranges.message()));
    }
    return c->run(args);
  } catch (const std::bad_alloc&) {
    // A model or batch too large for this machine: a message, not an abort.
    return Fail(absl::ResourceExhaustedError(absl::StrCat(
        "graphrun ", c->name, ": out of memory: the tensors of this model and batch do not fit in "
        "this machine's memory (`graphrun summary MODEL` shows the model's size)")));
  }
}

}  // namespace graphrun::tools
