// Public header of src/cli: the trusty-search command line. Every command
// is a client of the data dir's daemon (daemon_client.h), started when absent;
// the CLI links neither the daemon nor its HTTP server.
// Exit codes: 0 ok, 1 error, 2 usage. stdout carries results; stderr carries
// progress, notes and errors.
#pragma once

namespace ts::cli {

int Main(int argc, char** argv);

}  // namespace ts::cli
