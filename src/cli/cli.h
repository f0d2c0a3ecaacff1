// Public header of src/cli: the trusty-search command line. For now the
// commands run the engine in-process; the daemon issue turns them into clients.
// Exit codes: 0 ok, 1 error, 2 usage. stdout carries results; stderr carries
// progress, notes and errors.
#pragma once

namespace ts::cli {

int Main(int argc, char** argv);

}  // namespace ts::cli
