// AccessGuard (access.h): the browser rules, the JSON body rule and the owner proof.
#include "daemon/access.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>

#include <cstdlib>
#include <utility>

#include "client/client.h"
#include "util/ascii.h"
#include "util/file.h"

namespace ts::daemon {
namespace {

AccessDecision Refuse(int status, std::string code, std::string message) {
  AccessDecision d;
  d.http_status = status;
  d.code = std::move(code);
  d.message = std::move(message);
  return d;
}

bool IsMutating(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

// 127.0.0.1 as /proc/net/tcp prints it (host byte order, little-endian), and
// as tcp6 prints the v4-mapped ::ffff:127.0.0.1.
constexpr std::string_view kLoopback4 = "0100007F";
constexpr std::string_view kLoopback4In6 = "0000000000000000FFFF00000100007F";

// "ADDR:PORT" -> (ADDR, port), or port -1.
std::pair<std::string_view, int> SplitAddress(std::string_view field) {
  const size_t colon = field.rfind(':');
  if (colon == std::string_view::npos) return {field, -1};
  const std::string port_hex(field.substr(colon + 1));
  char* end = nullptr;
  const long port = std::strtol(port_hex.c_str(), &end, 16);
  if (port_hex.empty() || *end != '\0') return {field, -1};
  return {field.substr(0, colon), static_cast<int>(port)};
}

}  // namespace

bool IsOwnHost(std::string_view host, int port) {
  std::string_view name = host;
  int host_port = 80;
  const size_t colon = host.rfind(':');
  const size_t bracket = host.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    name = host.substr(0, colon);
    const std::string digits(host.substr(colon + 1));
    if (digits.empty() || digits.size() > 5 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      return false;
    host_port = std::atoi(digits.c_str());
  }
  const std::string lower = LowerAscii(name);
  return host_port == port && (lower == "127.0.0.1" || lower == "localhost" || lower == "[::1]");
}

bool IsOwnOrigin(std::string_view origin, int port) {
  constexpr std::string_view kScheme = "http://";
  if (origin.substr(0, kScheme.size()) != kScheme) return false;
  const std::string_view host = origin.substr(kScheme.size());
  if (host.find('/') != std::string_view::npos) return false;  // an origin has no path
  return IsOwnHost(host, port);
}

bool IsJsonContentType(std::string_view content_type) {
  const std::string media = LowerAscii(content_type.substr(0, content_type.find(';')));
  const size_t b = media.find_first_not_of(" \t");
  const size_t e = media.find_last_not_of(" \t");
  return b != std::string::npos && media.substr(b, e - b + 1) == "application/json";
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]);
  return diff == 0;
}

std::optional<unsigned> PeerUidInTable(std::string_view table, int peer_port, int local_port) {
  size_t pos = table.find('\n');  // skip the header line
  while (pos != std::string_view::npos && pos + 1 < table.size()) {
    const size_t next = table.find('\n', pos + 1);
    const std::string_view line = table.substr(
        pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1);
    pos = next;
    // Fields: sl local rem st tx:rx tr:when retrnsmt uid ...
    std::string_view fields[8];
    size_t n = 0, i = 0;
    while (n < 8 && i < line.size()) {
      while (i < line.size() && line[i] == ' ') ++i;
      const size_t start = i;
      while (i < line.size() && line[i] != ' ') ++i;
      if (i > start) fields[n++] = line.substr(start, i - start);
    }
    if (n < 8) continue;
    const auto [local_addr, lport] = SplitAddress(fields[1]);
    const auto [remote_addr, rport] = SplitAddress(fields[2]);
    const bool loopback = (local_addr == kLoopback4 && remote_addr == kLoopback4) ||
                          (local_addr == kLoopback4In6 && remote_addr == kLoopback4In6);
    // 01: ESTABLISHED. The 4-tuple of an established connection is unique.
    if (!loopback || lport != peer_port || rport != local_port || fields[3] != "01") continue;
    const std::string uid(fields[7]);
    char* end = nullptr;
    const unsigned long value = std::strtoul(uid.c_str(), &end, 10);
    if (uid.empty() || *end != '\0') return std::nullopt;
    return static_cast<unsigned>(value);
  }
  return std::nullopt;
}

PeerLookup LoopbackPeerUidByNetlink(int peer_port, int local_port) {
  PeerLookup out;
  const int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return out;
  timeval timeout{1, 0};  // the kernel answers at once; never hang a request on it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof(message);
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST;  // one socket, by its 4-tuple: no dump
  message.request.sdiag_family = AF_INET;
  message.request.sdiag_protocol = IPPROTO_TCP;
  message.request.idiag_states = 1u << 1;  // TCP_ESTABLISHED
  // The caller's socket: local 127.0.0.1:peer_port, remote 127.0.0.1:local_port.
  message.request.id.idiag_sport = htons(static_cast<uint16_t>(peer_port));
  message.request.id.idiag_dport = htons(static_cast<uint16_t>(local_port));
  message.request.id.idiag_src[0] = htonl(INADDR_LOOPBACK);
  message.request.id.idiag_dst[0] = htonl(INADDR_LOOPBACK);
  message.request.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  message.request.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, &message, sizeof(message), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof(kernel)) < 0) {
    ::close(fd);
    return out;
  }
  alignas(nlmsghdr) char buffer[8192];
  const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
  ::close(fd);
  if (n <= 0) return out;
  out.answered = true;  // from here on the kernel's word stands, even "no such socket"
  int left = static_cast<int>(n);
  for (auto* h = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
    if (h->nlmsg_type == NLMSG_ERROR) {
      // ENOENT: no such connection. Anything else: the kernel refused the lookup.
      const auto* error = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
      if (error->error != -ENOENT) out.answered = false;
      return out;
    }
    if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
    const auto* diag = static_cast<const inet_diag_msg*>(NLMSG_DATA(h));
    if (ntohs(diag->id.idiag_sport) == peer_port && ntohs(diag->id.idiag_dport) == local_port) {
      out.uid = diag->idiag_uid;
      return out;
    }
  }
  return out;
}

std::optional<unsigned> LoopbackPeerUid(int peer_port, int local_port) {
  // The kernel's socket diagnostics find the one socket (microseconds);
  // /proc/net/tcp lists every socket of the machine (milliseconds with a
  // few thousand), so it is only the fallback where netlink is refused.
  const PeerLookup diag = LoopbackPeerUidByNetlink(peer_port, local_port);
  if (diag.answered) return diag.uid;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    auto text = ReadFilePrefix(table, 64u << 20);
    if (!text.ok()) continue;
    if (auto uid = PeerUidInTable(*text, peer_port, local_port)) return uid;
  }
  return std::nullopt;
}

AccessGuard::AccessGuard(AccessOptions options)
    : options_(std::move(options)), token_(options_.token) {
  if (!options_.peer_uid) options_.peer_uid = LoopbackPeerUid;
}

bool AccessGuard::TokenMatches(std::string_view presented) const {
  std::lock_guard<std::mutex> lock(mu_);
  // `trusty-search token --rotate` replaces the file (a rename: a new inode)
  // while the daemon runs; the old token must stop working at once.
  struct stat st {};
  if (!options_.token_path.empty() && ::stat(options_.token_path.c_str(), &st) == 0 &&
      (st.st_ino != token_inode_ || st.st_mtim.tv_nsec != token_mtime_ns_)) {
    auto current = ReadFilePrefix(options_.token_path, 256);
    if (current.ok()) {
      std::string fresh = *current;
      while (!fresh.empty() && (fresh.back() == '\n' || fresh.back() == '\r')) fresh.pop_back();
      if (client::IsWellFormedToken(fresh)) {
        token_ = std::move(fresh);
        token_inode_ = st.st_ino;
        token_mtime_ns_ = st.st_mtim.tv_nsec;
      }
    }
  }
  return !token_.empty() && ConstantTimeEquals(presented, token_);
}

AccessDecision AccessGuard::Check(const AccessRequest& r) const {
  const int port = options_.port;
  if (!r.host.empty() && !IsOwnHost(r.host, port)) {
    return Refuse(403, "forbidden_host",
                  "Host '" + std::string(r.host) + "' is not this daemon (127.0.0.1:" +
                      std::to_string(port) + " or localhost:" + std::to_string(port) + ")");
  }
  const bool mcp = r.path == "/mcp";  // MCP keeps its own Origin rule (mcp_http.cc)
  if (!mcp) {
    if (!r.origin.empty() && !IsOwnOrigin(r.origin, port)) {
      return Refuse(403, "forbidden_origin",
                    "requests from the web origin '" + std::string(r.origin) +
                        "' are refused: only the daemon's own pages may call its API");
    }
    if (r.sec_fetch_site == "cross-site" || r.sec_fetch_site == "same-site") {
      return Refuse(403, "forbidden_origin",
                    "a request a web page made (Sec-Fetch-Site: " + std::string(r.sec_fetch_site) +
                        ") is refused");
    }
  }
  if (r.has_body && IsMutating(r.method) && !IsJsonContentType(r.content_type)) {
    return Refuse(415, "unsupported_media_type",
                  "a request body must be sent as Content-Type: application/json (got '" +
                      std::string(r.content_type) + "')");
  }

  AccessDecision allowed;
  if (!r.authorization.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    if (r.authorization.substr(0, kBearer.size()) != kBearer ||
        !TokenMatches(r.authorization.substr(kBearer.size()))) {
      return Refuse(401, "unauthorized",
                    "the bearer token is not this daemon's (see `trusty-search token`)");
    }
    allowed.caller = Caller::kOwner;
    return allowed;
  }
  if (!options_.require_token && r.peer_port > 0) {
    const auto uid = options_.peer_uid(r.peer_port, port);
    if (uid && *uid == options_.uid) {
      allowed.caller = Caller::kOwner;
      return allowed;
    }
  }
  if (r.method == "GET" && r.path == "/health") return allowed;  // anonymous: liveness only
  return Refuse(401, "unauthorized",
                "this daemon answers its user only: send `Authorization: Bearer <token>` with the "
                "token that `trusty-search token` prints");
}

}  // namespace ts::daemon
