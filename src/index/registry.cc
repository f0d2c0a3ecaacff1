#include <ctime>
#include <nlohmann/json.hpp>

#include "index/index.h"
#include "util/file.h"
#include "util/hash.h"

namespace ts::index {
namespace {

constexpr const char* kRegistryFormat = "trusty-search-registry";
constexpr int kRegistryVersion = 1;

std::string RegistryPath(const std::string& data_dir) {
  return data_dir + "/registry.json";
}

nlohmann::json EntriesJson(const std::vector<RegistryEntry>& entries) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : entries) {
    list.push_back({{"name", e.name}, {"root", e.root}, {"created_at", e.created_at}});
  }
  return list;
}

}  // namespace

Result<Registry> Registry::Load(const std::string& data_dir) {
  Registry reg;
  reg.data_dir_ = data_dir;
  std::string path = RegistryPath(data_dir);
  if (!PathExists(path)) return reg;
  TS_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto corrupt = [&](const std::string& why) {
    return Status::Corruption("registry " + path + " is corrupt (" + why +
                              "); indexes are intact under " + data_dir +
                              "/indexes; move the file aside to rebuild the list");
  };
  if (j.is_discarded() || !j.is_object()) return corrupt("not JSON");
  if (j.value("format", "") != kRegistryFormat) return corrupt("unknown format");
  if (!j.contains("version") || !j["version"].is_number_integer()) return corrupt("no version");
  if (j["version"].get<int>() > kRegistryVersion) {
    return Status::Unavailable("registry version " + std::to_string(j["version"].get<int>()) +
                               " is newer than this build supports");
  }
  if (!j.contains("indexes") || !j["indexes"].is_array()) return corrupt("no index list");
  if (j.value("checksum", "") != HexHash64(Hash64(j["indexes"].dump()))) {
    return corrupt("checksum mismatch");
  }
  for (const auto& e : j["indexes"]) {
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string() || !e.contains("root") ||
        !e["root"].is_string()) {
      return corrupt("malformed entry");
    }
    reg.entries_.push_back(
        {e["name"].get<std::string>(), e["root"].get<std::string>(), e.value("created_at", "")});
  }
  return reg;
}

Status Registry::Save() const {
  TS_RETURN_IF_ERROR(CreateDirectories(data_dir_));
  nlohmann::json list = EntriesJson(entries_);
  nlohmann::json doc = {{"format", kRegistryFormat},
                        {"version", kRegistryVersion},
                        {"indexes", list},
                        {"checksum", HexHash64(Hash64(list.dump()))}};
  // Keep the previous version beside the new one (registry.json.bak), so a
  // mistaken removal or a bad write can be recovered by hand.
  std::string path = RegistryPath(data_dir_);
  if (PathExists(path)) {
    auto old = ReadFile(path);
    if (old.ok()) TS_RETURN_IF_ERROR(WriteFileAtomic(path + ".bak", *old));
  }
  return WriteFileAtomic(path, doc.dump(2) + "\n");
}

const RegistryEntry* Registry::Find(const std::string& name) const {
  for (const auto& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

Status Registry::Add(const RegistryEntry& entry) {
  if (Find(entry.name)) return Status::AlreadyExists("index '" + entry.name + "' already exists");
  RegistryEntry e = entry;
  if (e.created_at.empty()) {
    char buf[32];
    std::time_t now = std::time(nullptr);
    std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    e.created_at = buf;
  }
  entries_.push_back(e);
  Status s = Save();
  if (!s.ok()) entries_.pop_back();
  return s;
}

Status Registry::Remove(const std::string& name) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const RegistryEntry& e) { return e.name == name; });
  if (it == entries_.end()) return Status::NotFound("no index named '" + name + "'");
  RegistryEntry saved = *it;
  entries_.erase(it);
  Status s = Save();
  if (!s.ok()) entries_.push_back(saved);
  return s;
}

std::string Registry::IndexDir(const std::string& name) const {
  return data_dir_ + "/indexes/" + name;
}

}  // namespace ts::index
