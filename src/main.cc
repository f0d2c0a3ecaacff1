#include "cli/cli.h"

int main(int argc, char** argv) {
  return ts::cli::Main(argc, argv);
}
