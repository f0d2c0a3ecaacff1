// The per-data-dir access token: the proof, for the daemon, that a caller is
// its user (only that user can read a 0600 file in a 0700 data dir).
#include "client/client.h"
#include "util/file.h"
#include "util/random.h"

namespace ts::client {

namespace {

constexpr size_t kTokenBytes = 32;

}  // namespace

std::string TokenPath(const std::string& d) {
  return d + "/token";
}

bool IsWellFormedToken(std::string_view token) {
  if (token.size() != 2 * kTokenBytes) return false;
  for (char c : token) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<std::string> ReadToken(const std::string& data_dir) {
  std::string path = TokenPath(data_dir);
  if (!PathExists(path)) return Status::NotFound("no token in " + data_dir);
  TS_ASSIGN_OR_RETURN(std::string text, ReadFilePrefix(path, 256));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (!IsWellFormedToken(text)) return Status::Corruption(path + " does not hold a token");
  return text;
}

Result<std::string> WriteNewToken(const std::string& data_dir) {
  TS_ASSIGN_OR_RETURN(std::string token, RandomHex(kTokenBytes));
  // WriteFileAtomic creates its files 0600, whatever the umask.
  TS_RETURN_IF_ERROR(WriteFileAtomic(TokenPath(data_dir), token + "\n", /*crash_points=*/false));
  return token;
}

Result<std::string> EnsureToken(const std::string& data_dir) {
  auto token = ReadToken(data_dir);
  if (token.ok()) return token;
  if (token.status().code() != Status::Code::kNotFound &&
      token.status().code() != Status::Code::kCorruption)
    return token.status();
  return WriteNewToken(data_dir);
}

}  // namespace ts::client
