// The grep executor: candidates from the trigram index, then verification
// of each candidate's current content, in parallel, under a time budget and
// a result cap. Files are verified in `rg --sort path` order and results are
// assembled in that order, so a cap cuts a deterministic prefix.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <unordered_map>

#include "grep/grep.h"
#include "grep/pattern_impl.h"
#include "grep/trigram.h"
#include "walk/walk.h"

namespace ts::grep {
namespace {

// Files larger than this are not read by grep at all (the index never holds
// them either; the limit only guards files that grew since indexing).
constexpr size_t kMaxReadBytes = 256ull << 20;

bool IsHidden(std::string_view path) {
  if (!path.empty() && path[0] == '.') return true;
  return path.find("/.") != std::string_view::npos;
}

// A further trigram's postings are decoded while there are fewer than this
// many per current candidate: verifying one candidate costs about as much as
// decoding a few hundred postings.
constexpr uint64_t kPostingsPerCandidate = 256;

// An atom whose rarest trigram is in more than 1/kCommonAtomShare of a
// segment's documents is not worth decoding when other atoms constrain.
constexpr uint64_t kCommonAtomShare = 8;

// Sorted intersection of ascending lists, into *a.
void IntersectInto(std::vector<uint32_t>* a, const std::vector<uint32_t>& b) {
  auto end = std::set_intersection(a->begin(), a->end(), b.begin(), b.end(), a->begin());
  a->erase(end, a->end());
}

// Docnos of one segment that may match: for each testable atom, the documents
// holding all its trigrams; a document is a candidate when the prefilter
// passes with the atoms it holds plus the untestable ones.
std::vector<uint32_t> SegmentCandidates(const SegmentReader& seg, const Pattern::Impl& impl) {
  // Per atom, its trigrams (as indexes into atom_keys[a]) by document count,
  // rarest first; the counts come from the dictionary, nothing is decoded.
  std::vector<std::vector<std::pair<uint64_t, size_t>>> by_frequency(impl.atom_keys.size());
  std::vector<uint64_t> atom_frequency(impl.atom_keys.size(), 0);  // its rarest trigram's
  for (size_t a = 0; a < impl.atom_keys.size(); ++a) {
    const auto& trigrams = impl.atom_keys[a];
    for (size_t t = 0; t < trigrams.size(); ++t) {
      uint64_t df = 0;
      for (uint32_t key : trigrams[t]) df += seg.DocFrequency(key);
      by_frequency[a].emplace_back(df, t);
    }
    std::sort(by_frequency[a].begin(), by_frequency[a].end());
    if (!trigrams.empty()) atom_frequency[a] = by_frequency[a][0].first;
  }
  // An atom common to most documents (" = {") narrows little: it is taken
  // as present everywhere, without decoding its postings, as long as the
  // other atoms alone still exclude some documents. Most common first.
  std::vector<int> assumed = impl.unknown_atoms;
  std::vector<size_t> common;
  for (size_t a = 0; a < atom_frequency.size(); ++a) {
    if (atom_frequency[a] * kCommonAtomShare > seg.doc_count()) common.push_back(a);
  }
  std::sort(common.begin(), common.end(),
            [&](size_t x, size_t y) { return atom_frequency[x] > atom_frequency[y]; });
  std::vector<bool> skipped(impl.atom_keys.size(), false);
  for (size_t a : common) {
    assumed.push_back(static_cast<int>(a));
    if (impl.MayMatch(assumed)) {
      assumed.pop_back();  // without it every document would be a candidate
    } else {
      skipped[a] = true;
    }
  }
  std::vector<std::pair<uint32_t, int>> doc_atoms;
  std::vector<uint32_t> docs, variant, merged;
  for (size_t a = 0; a < impl.atom_keys.size(); ++a) {
    const auto& trigrams = impl.atom_keys[a];
    if (trigrams.empty() || skipped[a]) continue;
    // Rarest trigram first; each further list narrows the candidates only
    // when decoding it costs less than verifying the candidates it could
    // remove (a posting decodes in nanoseconds, a candidate file verifies in
    // microseconds).
    const auto& order = by_frequency[a];
    auto postings_of = [&](size_t t, std::vector<uint32_t>* out) {
      out->clear();
      for (uint32_t key : trigrams[t]) {
        seg.Postings(key, &variant);
        merged.clear();
        std::set_union(out->begin(), out->end(), variant.begin(), variant.end(),
                       std::back_inserter(merged));
        out->swap(merged);
      }
    };
    postings_of(order[0].second, &docs);
    std::vector<uint32_t> list;
    for (size_t i = 1; i < order.size() && !docs.empty(); ++i) {
      if (order[i].first > kPostingsPerCandidate * docs.size()) break;
      postings_of(order[i].second, &list);
      IntersectInto(&docs, list);
    }
    for (uint32_t d : docs) {
      // With -U a match may span blocks: atoms count per file (its first block).
      while (impl.multiline && d > 0 && seg.doc_offset(d) != 0) --d;
      doc_atoms.emplace_back(d, static_cast<int>(a));
    }
  }
  std::sort(doc_atoms.begin(), doc_atoms.end());
  std::vector<uint32_t> out;
  std::vector<int> present;
  for (size_t i = 0; i < doc_atoms.size();) {
    uint32_t d = doc_atoms[i].first;
    present = assumed;
    for (; i < doc_atoms.size() && doc_atoms[i].first == d; ++i) {
      present.push_back(doc_atoms[i].second);
    }
    if (impl.MayMatch(present)) out.push_back(d);
  }
  return out;
}

// One file to verify: the whole of it, or only its candidate blocks.
struct FileWork {
  std::string_view path;
  const SegmentReader* segment = nullptr;  // null: no companion holds it; read it from disk
  uint32_t first_doc = 0, last_doc = 0;    // the file's blocks in `segment`
  std::vector<uint32_t> blocks;            // candidate blocks; empty: the whole file
  bool fold_hazard = true;  // it may hold U+017F or U+212A (false: its companion says not)
};

FileMatches SearchFile(const std::string& root, const FileWork& w, const Pattern& pattern,
                       const GrepOptions& options) {
  const Pattern::Impl& impl = pattern.impl();
  FileMatches out;
  if (w.segment == nullptr) {
    auto content = ReadFileBeneath(root, std::string(w.path), kMaxReadBytes);
    if (!content.ok() || !impl.AtomsAllow(*content)) return out;
    return pattern.SearchContent(*content, options);
  }
  const ContentFacts facts{!w.fold_hazard};
  if (w.blocks.empty()) {
    std::string_view content = w.segment->Content(w.first_doc, w.last_doc);
    if (!impl.AtomsAllow(content, facts.no_fold_hazard)) return out;
    return pattern.SearchContent(content, options, facts);
  }
  GrepOptions block_options = options;
  for (uint32_t d : w.blocks) {
    std::string_view content = w.segment->Content(d, d);
    if (!impl.AtomsAllow(content, facts.no_fold_hazard)) continue;
    FileMatches part = pattern.SearchContent(content, block_options, facts);
    const uint32_t first_line = w.segment->doc_first_line(d);
    for (auto& line : part.lines) {
      line.number += first_line - 1;
      out.lines.push_back(std::move(line));
    }
    out.selected += part.selected;
    if (part.selected > 0 && options.files_with_matches) break;
    if (options.max_count > 0) {
      if (out.selected >= options.max_count) break;
      block_options.max_count = options.max_count - out.selected;
    }
  }
  return out;
}

}  // namespace

bool PathLess(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] == b[i]) continue;
    // A component that ends first sorts first: '/' ranks below every byte.
    if (a[i] == '/') return true;
    if (b[i] == '/') return false;
    return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
  }
  return a.size() < b.size();
}

Result<GrepResult> Search(const std::vector<SegmentView>& segments,
                          const std::vector<std::string>& extra_paths, const std::string& root,
                          const Pattern& pattern, const GrepOptions& options) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const auto deadline = started + std::chrono::milliseconds(options.timeout_ms);
  const bool has_deadline = options.timeout_ms > 0;
  TS_ASSIGN_OR_RETURN(walk::GlobFilter globs, walk::GlobFilter::Create(options.globs));
  const Pattern::Impl& impl = pattern.impl();

  GrepResult result;
  result.stats.used_index = !impl.full_scan;
  // Whole files are read when a match or its context may reach beyond one
  // block, and for files not split into blocks.
  const bool whole_files =
      impl.full_scan || impl.multiline || options.before > 0 || options.after > 0;
  std::vector<FileWork> work_items;
  std::unordered_map<std::string_view, size_t> by_path;
  auto consider = [&](std::string_view path) -> FileWork* {
    if (!options.hidden && IsHidden(path)) return nullptr;
    if (!globs.Allows(path)) return nullptr;
    auto [it, fresh] = by_path.emplace(path, work_items.size());
    if (fresh) work_items.push_back(FileWork{path});
    return &work_items[it->second];
  };
  for (const auto& view : segments) {
    const SegmentReader& seg = *view.segment;
    auto live = [&](uint32_t d) { return !view.deleted || !(*view.deleted)[d]; };
    // A file's blocks: `head` (offset 0) through the last one sharing its key.
    auto last_block = [&](uint32_t head) {
      uint32_t d = head;
      while (d + 1 < seg.doc_count() && seg.doc_offset(d + 1) != 0) ++d;
      return d;
    };
    for (uint32_t d = 0; d < seg.doc_count(); ++d) {
      result.stats.files_live += live(d) && seg.doc_offset(d) == 0 ? 1 : 0;
    }
    // Blocks holding U+017F or U+212A: elsewhere folded finders are sound
    // without a pass over the content (only asked when that matters).
    std::vector<uint32_t> hazards;
    if (impl.finders_need_ascii) seg.Postings(kFoldHazardKey, &hazards);
    auto fold_hazard = [&](uint32_t first, uint32_t last) {
      auto it = std::lower_bound(hazards.begin(), hazards.end(), first);
      return !impl.finders_need_ascii || (it != hazards.end() && *it <= last);
    };
    if (impl.full_scan) {
      for (uint32_t d = 0; d < seg.doc_count(); ++d) {
        if (!live(d) || seg.doc_offset(d) != 0) continue;
        if (FileWork* w = consider(seg.doc_path(d))) {
          *w = FileWork{w->path, &seg, d, last_block(d), {}};
          w->fold_hazard = fold_hazard(w->first_doc, w->last_doc);
        }
      }
      continue;
    }
    for (uint32_t d : SegmentCandidates(seg, impl)) {
      if (!live(d)) continue;
      FileWork* w = consider(seg.doc_path(d));
      if (w == nullptr) continue;
      if (w->segment == nullptr) {
        uint32_t head = d;
        while (head > 0 && seg.doc_offset(head) != 0) --head;
        w->segment = &seg;
        w->first_doc = head;
        w->last_doc = last_block(head);
        w->fold_hazard = fold_hazard(w->first_doc, w->last_doc);
      }
      if (w->first_doc != w->last_doc) w->blocks.push_back(d);
    }
  }
  result.stats.files_live += extra_paths.size();
  for (const auto& p : extra_paths) consider(p);
  if (whole_files) {
    for (auto& w : work_items) w.blocks.clear();
  }
  std::sort(work_items.begin(), work_items.end(),
            [](const FileWork& a, const FileWork& b) { return PathLess(a.path, b.path); });

  // Workers take files in order; once the cap is reached or time is up no
  // file is started, so every file before the last one started is complete.
  std::vector<FileMatches> found(work_items.size());
  std::vector<char> done(work_items.size(), 0);
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> selected_total{0};
  std::atomic<bool> out_of_time{false};
  auto work = [&] {
    while (true) {
      if (options.max_results > 0 && selected_total.load() >= options.max_results) return;
      if (has_deadline && Clock::now() > deadline) {
        out_of_time = true;
        return;
      }
      size_t i = next.fetch_add(1);
      if (i >= work_items.size()) return;
      found[i] = SearchFile(root, work_items[i], pattern, options);
      selected_total += found[i].selected;
      done[i] = 1;
    }
  };
  size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads)
                                       : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, std::max<size_t>(1, work_items.size() / 8));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();

  uint64_t total = 0;
  for (size_t i = 0; i < work_items.size(); ++i) {
    if (!done[i]) {
      result.partial = true;
      break;
    }
    ++result.stats.files_searched;
    FileMatches& fm = found[i];
    if (fm.selected == 0) continue;
    if (options.max_results > 0 && total + fm.selected > options.max_results) {
      // Keep the first (cap - total) selected lines and the context before them.
      uint64_t keep = options.max_results - total, seen = 0;
      size_t cut = 0;
      while (cut < fm.lines.size() && seen < keep) seen += fm.lines[cut++].selected ? 1 : 0;
      fm.lines.resize(cut);
      fm.selected = keep;
      result.partial = true;
    }
    total += fm.selected;
    fm.path = std::string(work_items[i].path);
    result.files.push_back(std::move(fm));
    if (options.max_results > 0 && total >= options.max_results) {
      if (i + 1 < work_items.size()) result.partial = true;
      break;
    }
  }
  if (result.partial) {
    result.partial_reason =
        out_of_time.load()
            ? "time budget of " + std::to_string(options.timeout_ms) + " ms exceeded after " +
                  std::to_string(result.stats.files_searched) + " of " +
                  std::to_string(work_items.size()) + " candidate files"
            : "result cap of " + std::to_string(options.max_results) + " lines reached";
  }
  result.stats.files_matched = result.files.size();
  result.stats.lines_selected = total;
  return result;
}

std::string FormatRipgrep(const GrepResult& result, const GrepOptions& options) {
  std::string out;
  const bool context = !options.files_with_matches && (options.before > 0 || options.after > 0);
  bool first_group = true;
  for (const auto& f : result.files) {
    if (options.files_with_matches) {
      out.append(f.path).push_back('\n');
      continue;
    }
    uint64_t prev = 0;
    for (const auto& line : f.lines) {
      // rg separates non-adjacent groups, within a file and across files.
      if (context && !first_group && (prev == 0 || line.number != prev + 1)) out.append("--\n");
      first_group = false;
      prev = line.number;
      char sep = line.selected ? ':' : '-';
      out.append(f.path).push_back(sep);
      out.append(std::to_string(line.number)).push_back(sep);
      out.append(line.text).push_back('\n');
    }
  }
  return out;
}

}  // namespace ts::grep
