#include "util/file_cache.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "util/file.h"

namespace ts {

bool FileContentCache::IdentityOf(const std::string& path, Identity* out) {
  struct stat st {};
  if (::fstatat(AT_FDCWD, path.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return false;
  if (!S_ISREG(st.st_mode)) return false;
  out->dev = st.st_dev;
  out->ino = st.st_ino;
  out->size = st.st_size;
  out->mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  out->ctime_ns = int64_t{st.st_ctim.tv_sec} * 1000000000 + st.st_ctim.tv_nsec;
  return true;
}

Result<std::shared_ptr<const std::string>> FileContentCache::Read(const std::string& root,
                                                                  const std::string& rel_path,
                                                                  size_t max_bytes) {
  // The identity is taken before the read: a file changed between the two is
  // cached under its older identity and read again next time, never the
  // reverse (new identity, old bytes).
  Identity identity;
  const bool known = capacity_bytes_ > 0 && rel_path.find('\0') == std::string::npos &&
                     IdentityOf(root + "/" + rel_path, &identity);
  std::string key = root + '\0' + rel_path + '\0' + std::to_string(max_bytes);
  if (known) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_key_.find(key);
    if (it != by_key_.end()) {
      if (it->second->identity == identity) {
        lru_.splice(lru_.begin(), lru_, it->second);
        ++hits_;
        return it->second->content;
      }
      bytes_ -= it->second->content->size();
      lru_.erase(it->second);
      by_key_.erase(it);
    }
  }
  TS_ASSIGN_OR_RETURN(std::string content, ReadFileBeneath(root, rel_path, max_bytes));
  auto shared = std::make_shared<const std::string>(std::move(content));
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const bool settled = identity.mtime_ns <= now_ns - settle_.count() &&
                       identity.ctime_ns <= now_ns - settle_.count();
  if (known && settled) Insert(std::move(key), identity, shared);
  return shared;
}

void FileContentCache::Insert(std::string key, const Identity& identity,
                              std::shared_ptr<const std::string> content) {
  if (content->size() > capacity_bytes_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (by_key_.count(key)) return;  // another reader cached it meanwhile
  bytes_ += content->size();
  lru_.push_front({key, identity, std::move(content)});
  by_key_.emplace(std::move(key), lru_.begin());
  while (bytes_ > capacity_bytes_ && !lru_.empty()) {
    bytes_ -= lru_.back().content->size();
    by_key_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

size_t FileContentCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

uint64_t FileContentCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

}  // namespace ts
