// graphrun: the one tool that trains, evaluates, checks and times any model file.
#include "tools/cli.h"

int main(int argc, char** argv) { return graphrun::tools::Main(argc, argv); }
