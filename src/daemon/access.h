// Who may use the daemon (docs/SECURITY.md). Every HTTP request passes
// AccessGuard::Check before it is routed. The rules, in order:
//   1. A Host header names this daemon: 127.0.0.1, localhost or [::1] with its
//      port. A DNS-rebound name arrives as its own Host and is refused.
//   2. A web page the user visits cannot drive the API: a present Origin must
//      be the daemon's own origin, and Sec-Fetch-Site (sent by browsers) must
//      not be cross-site or same-site. /mcp keeps its own Origin rule (any
//      loopback origin; docs/MCP.md).
//   3. A request that carries a body says `Content-Type: application/json`,
//      so no HTML form can post one.
//   4. Every route but `GET /health` needs proof that the caller is the
//      daemon's user: the data dir's token as `Authorization: Bearer`, or,
//      unless the daemon requires the token, a loopback peer socket owned by
//      the daemon's own uid (the kernel's word, read from /proc/net/tcp; the
//      same proof SO_PEERCRED gives on a Unix socket). The user's browser also
//      runs as the user, which is why rules 1-3 hold for every caller.
// Refusals are JSON errors: 403 (1, 2), 415 (3) and 401 (4).
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace ts::daemon {

// What the guard needs to know of a request; the HTTP layer fills it in.
struct AccessRequest {
  std::string_view method;
  std::string_view path;
  std::string_view host;            // "" when absent
  std::string_view origin;          // "" when absent
  std::string_view sec_fetch_site;  // "" when absent
  std::string_view content_type;    // "" when absent
  std::string_view authorization;   // "" when absent
  bool has_body = false;
  int peer_port = -1;  // the caller's TCP port, -1 when unknown
};

enum class Caller {
  kAnonymous,  // no proof: allowed on GET /health only, which then says little
  kOwner,      // the token, or a peer socket of the daemon's uid
};

struct AccessDecision {
  int http_status = 0;  // 0: allowed
  std::string code;     // the error code of a refusal
  std::string message;
  Caller caller = Caller::kAnonymous;
  bool allowed() const { return http_status == 0; }
};

struct AccessOptions {
  int port = 0;                // the daemon's port
  std::string token;           // the data dir's token (64 hex digits)
  std::string token_path;      // re-read when a presented token differs (rotation)
  unsigned uid = 0;            // the daemon's uid
  bool require_token = false;  // refuse same-uid peers that send no token
  // The uid owning the loopback TCP socket with local port `peer_port`
  // connected to `local_port`; nullopt when unknown. Tests inject it.
  std::function<std::optional<unsigned>(int peer_port, int local_port)> peer_uid;
};

class AccessGuard {
 public:
  explicit AccessGuard(AccessOptions options);

  AccessDecision Check(const AccessRequest& request) const;

 private:
  bool TokenMatches(std::string_view presented) const;

  AccessOptions options_;
  mutable std::mutex mu_;                  // guards the three below
  mutable std::string token_;              // the current token; re-read after a rotation
  mutable unsigned long token_inode_ = 0;  // of the file token_ was read from
  mutable long token_mtime_ns_ = -1;
};

// Whether `host` (a Host header) names this daemon: 127.0.0.1, localhost or
// [::1], with `port` (no port means 80).
bool IsOwnHost(std::string_view host, int port);
// Whether `origin` is the daemon's own origin: http://<own host>:port.
bool IsOwnOrigin(std::string_view origin, int port);
// Whether `content_type` is application/json, parameters allowed.
bool IsJsonContentType(std::string_view content_type);
// Equal strings, compared in time that depends on their lengths only.
bool ConstantTimeEquals(std::string_view a, std::string_view b);
// The uid owning the loopback TCP socket 127.0.0.1:peer_port connected to
// 127.0.0.1:local_port: asked of the kernel's socket diagnostics (netlink
// sock_diag, one socket by its 4-tuple), else read from /proc/net/tcp{,6}.
std::optional<unsigned> LoopbackPeerUid(int peer_port, int local_port);
// The netlink lookup alone. `answered` is false when the kernel could not be
// asked (netlink refused); then `uid` is empty.
struct PeerLookup {
  bool answered = false;
  std::optional<unsigned> uid;
};
PeerLookup LoopbackPeerUidByNetlink(int peer_port, int local_port);
// The same lookup in the text of such a table (its header line first).
std::optional<unsigned> PeerUidInTable(std::string_view table, int peer_port, int local_port);

}  // namespace ts::daemon
