// AccessGuard: browser-borne requests, JSON bodies and the owner proof (access.h).
#include "daemon/access.h"

#include "util/file.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace ts::daemon {
namespace {

constexpr int kPort = 7878;
const std::string kToken(64, 'a');
constexpr unsigned kOwnerUid = 1000;

// A guard whose peer lookup says: port 50000 is the owner's, 50001 another user's.
AccessGuard MakeGuard(bool require_token = false) {
  AccessOptions o;
  o.port = kPort;
  o.token = kToken;
  o.uid = kOwnerUid;
  o.require_token = require_token;
  o.peer_uid = [](int peer_port, int local_port) -> std::optional<unsigned> {
    if (local_port != kPort) return std::nullopt;
    if (peer_port == 50000) return kOwnerUid;
    if (peer_port == 50001) return 1001u;
    return std::nullopt;
  };
  return AccessGuard(std::move(o));
}

AccessRequest Get(std::string_view path, int peer_port = 50000) {
  AccessRequest r;
  r.method = "GET";
  r.path = path;
  r.host = "127.0.0.1:7878";
  r.peer_port = peer_port;
  return r;
}

TEST(AccessHost, OnlyThisDaemonsNamesAndPort) {
  EXPECT_TRUE(IsOwnHost("127.0.0.1:7878", kPort));
  EXPECT_TRUE(IsOwnHost("localhost:7878", kPort));
  EXPECT_TRUE(IsOwnHost("LOCALHOST:7878", kPort));
  EXPECT_TRUE(IsOwnHost("[::1]:7878", kPort));
  EXPECT_FALSE(IsOwnHost("127.0.0.1:7879", kPort));
  EXPECT_FALSE(IsOwnHost("127.0.0.1", kPort));  // port 80
  EXPECT_FALSE(IsOwnHost("evil.example:7878", kPort));
  EXPECT_FALSE(IsOwnHost("127.0.0.1.evil.example:7878", kPort));
  EXPECT_FALSE(IsOwnHost("localhost:7878x", kPort));
  EXPECT_FALSE(IsOwnHost("[::1]", kPort));
  EXPECT_FALSE(IsOwnHost("", kPort));
}

TEST(AccessOrigin, OnlyTheDaemonsOwnOrigin) {
  EXPECT_TRUE(IsOwnOrigin("http://127.0.0.1:7878", kPort));
  EXPECT_TRUE(IsOwnOrigin("http://localhost:7878", kPort));
  EXPECT_FALSE(IsOwnOrigin("http://localhost:3000", kPort));
  EXPECT_FALSE(IsOwnOrigin("https://127.0.0.1:7878", kPort));
  EXPECT_FALSE(IsOwnOrigin("http://127.0.0.1:7878/x", kPort));
  EXPECT_FALSE(IsOwnOrigin("null", kPort));
  EXPECT_FALSE(IsOwnOrigin("http://evil.example", kPort));
}

TEST(AccessContentType, JsonWithParameters) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType("Application/JSON; charset=utf-8"));
  EXPECT_FALSE(IsJsonContentType("text/plain"));
  EXPECT_FALSE(IsJsonContentType("application/x-www-form-urlencoded"));
  EXPECT_FALSE(IsJsonContentType("application/jsonp"));
  EXPECT_FALSE(IsJsonContentType(""));
}

TEST(AccessConstantTime, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(AccessGuardTest, OwnerPeerIsLetInWithoutToken) {
  auto d = MakeGuard().Check(Get("/indexes"));
  EXPECT_TRUE(d.allowed());
  EXPECT_EQ(d.caller, Caller::kOwner);
}

TEST(AccessGuardTest, AnotherUserNeedsTheToken) {
  auto d = MakeGuard().Check(Get("/indexes", 50001));
  EXPECT_EQ(d.http_status, 401);
  EXPECT_EQ(d.code, "unauthorized");
  AccessRequest r = Get("/indexes", 50001);
  const std::string header = "Bearer " + kToken;
  r.authorization = header;
  d = MakeGuard().Check(r);
  EXPECT_TRUE(d.allowed());
  EXPECT_EQ(d.caller, Caller::kOwner);
}

TEST(AccessGuardTest, AWrongTokenIsRefusedEvenFromTheOwner) {
  AccessRequest r = Get("/indexes");
  const std::string header = "Bearer " + std::string(64, 'b');
  r.authorization = header;
  EXPECT_EQ(MakeGuard().Check(r).http_status, 401);
  r.authorization = "Basic dXNlcjpwYXNz";
  EXPECT_EQ(MakeGuard().Check(r).http_status, 401);
}

TEST(AccessGuardTest, RequireTokenRefusesTheOwnersPeer) {
  EXPECT_EQ(MakeGuard(/*require_token=*/true).Check(Get("/indexes")).http_status, 401);
  AccessRequest r = Get("/indexes");
  const std::string header = "Bearer " + kToken;
  r.authorization = header;
  EXPECT_TRUE(MakeGuard(true).Check(r).allowed());
}

TEST(AccessGuardTest, HealthIsOpenButAnonymous) {
  auto d = MakeGuard(true).Check(Get("/health", 50001));
  EXPECT_TRUE(d.allowed());
  EXPECT_EQ(d.caller, Caller::kAnonymous);
  // Only GET /health: other routes and methods need the proof.
  AccessRequest r = Get("/health", 50001);
  r.method = "POST";
  EXPECT_EQ(MakeGuard(true).Check(r).http_status, 401);
  EXPECT_EQ(MakeGuard(true).Check(Get("/health/x", 50001)).http_status, 401);
}

TEST(AccessGuardTest, ForeignHostIsRefusedBeforeAnything) {
  AccessRequest r = Get("/indexes");
  r.host = "rebound.example:7878";
  auto d = MakeGuard().Check(r);
  EXPECT_EQ(d.http_status, 403);
  EXPECT_EQ(d.code, "forbidden_host");
  r.path = "/mcp";  // MCP too
  EXPECT_EQ(MakeGuard().Check(r).http_status, 403);
}

TEST(AccessGuardTest, WebPagesAreRefused) {
  AccessRequest r = Get("/indexes");
  r.origin = "https://evil.example";
  EXPECT_EQ(MakeGuard().Check(r).http_status, 403);
  r.origin = "http://127.0.0.1:7878";
  EXPECT_TRUE(MakeGuard().Check(r).allowed());
  r.origin = "";
  r.sec_fetch_site = "cross-site";
  EXPECT_EQ(MakeGuard().Check(r).code, "forbidden_origin");
  r.sec_fetch_site = "same-site";  // another port of localhost
  EXPECT_EQ(MakeGuard().Check(r).http_status, 403);
  r.sec_fetch_site = "none";  // the user typed the URL
  EXPECT_TRUE(MakeGuard().Check(r).allowed());
}

TEST(AccessGuardTest, McpKeepsItsOwnOriginRule) {
  AccessRequest r = Get("/mcp");
  r.method = "POST";
  r.origin = "http://localhost:6274";  // e.g. an inspector on another port: mcp_http.cc decides
  r.content_type = "application/json";
  r.has_body = true;
  EXPECT_TRUE(MakeGuard().Check(r).allowed());
}

TEST(AccessGuardTest, BodiesMustBeJson) {
  AccessRequest r = Get("/indexes");
  r.method = "POST";
  r.has_body = true;
  r.content_type = "text/plain";
  auto d = MakeGuard().Check(r);
  EXPECT_EQ(d.http_status, 415);
  EXPECT_EQ(d.code, "unsupported_media_type");
  r.content_type = "";
  EXPECT_EQ(MakeGuard().Check(r).http_status, 415);
  r.content_type = "application/json";
  EXPECT_TRUE(MakeGuard().Check(r).allowed());
  r.has_body = false;  // DELETE or POST without a body
  r.content_type = "";
  EXPECT_TRUE(MakeGuard().Check(r).allowed());
}

TEST(PeerUidTable, FindsTheEstablishedLoopbackSocket) {
  const std::string table =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
      "timeout inode\n"
      "   0: 0100007F:1EC6 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        "
      "0 1 1 0\n"
      "   1: 0A000005:C350 5DB8D822:1EC6 01 00000000:00000000 00:00000000 00000000  1000        "
      "0 2 1 0\n"
      "   2: 0100007F:C350 0100007F:1EC6 01 00000000:00000000 00:00000000 00000000  1001        "
      "0 3 1 0\n";
  // 0xC350 = 50000, 0x1EC6 = 7878. The listening socket and the connection
  // to a remote host with the same ports do not count.
  EXPECT_EQ(PeerUidInTable(table, 50000, 7878), std::optional<unsigned>(1001));
  EXPECT_EQ(PeerUidInTable(table, 50001, 7878), std::nullopt);
  EXPECT_EQ(PeerUidInTable(table, 50000, 7879), std::nullopt);
  EXPECT_EQ(PeerUidInTable("", 50000, 7878), std::nullopt);
  EXPECT_EQ(PeerUidInTable("header\n   0: garbage", 50000, 7878), std::nullopt);
}

TEST(PeerUidTable, TheKernelNamesThisProcessAsTheOwnerOfItsOwnConnection) {
  // A real loopback connection inside this test: its client socket is ours.
  int server = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(server, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(server, 1), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int server_port = ntohs(addr.sin_port);
  int client = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  sockaddr_in mine{};
  len = sizeof(mine);
  ASSERT_EQ(::getsockname(client, reinterpret_cast<sockaddr*>(&mine), &len), 0);
  const int client_port = ntohs(mine.sin_port);
  EXPECT_EQ(LoopbackPeerUid(client_port, server_port), std::optional<unsigned>(::getuid()));
  const PeerLookup diag = LoopbackPeerUidByNetlink(client_port, server_port);
  EXPECT_TRUE(diag.answered);
  EXPECT_EQ(diag.uid, std::optional<unsigned>(::getuid()));
  // The /proc table says the same.
  auto table = ReadFilePrefix("/proc/net/tcp", 64u << 20);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(PeerUidInTable(*table, client_port, server_port), std::optional<unsigned>(::getuid()));
  // No such connection: the kernel answers, with no uid.
  const PeerLookup none =
      LoopbackPeerUidByNetlink(client_port, server_port == 65535 ? 1 : server_port + 1);
  EXPECT_TRUE(none.answered);
  EXPECT_EQ(none.uid, std::nullopt);
  EXPECT_EQ(LoopbackPeerUid(client_port, server_port + 1 == 65536 ? 1 : server_port + 1),
            std::nullopt);
  ::close(client);
  ::close(server);
}

}  // namespace
}  // namespace ts::daemon
