// Unit tests of src/grep: trigram segments (build, read, merge, corruption)
// and line selection. Byte-for-byte agreement with ripgrep is checked by the
// integration test tests/integration/grep_test.py against the real rg.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "grep/grep.h"
#include "grep/trigram.h"
#include "util/file.h"

namespace ts::grep {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ts-grep-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  void Write(const std::string& rel, const std::string& content) const {
    std::filesystem::create_directories(std::filesystem::path(path_ + "/" + rel).parent_path());
    std::ofstream(path_ + "/" + rel, std::ios::binary) << content;
  }

 private:
  std::string path_;
};

std::string Grep(const std::vector<SegmentView>& views, const std::string& root,
                 const std::string& pattern, GrepOptions options = {}) {
  auto p = Pattern::Compile(pattern, options);
  EXPECT_TRUE(p.ok()) << p.status().message();
  if (!p.ok()) return "<error>";
  auto r = Search(views, {}, root, **p, options);
  EXPECT_TRUE(r.ok());
  return r.ok() ? FormatRipgrep(*r, options) : "<error>";
}

TEST(Trigrams, KeepCaseAndSkipUnindexableBytes) {
  std::vector<uint32_t> a, b, c;
  CollectTrigrams("Hel", &a);
  CollectTrigrams("hEL", &b);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(a, b);
  // Case variants: every mix of cases of the letters, digits and marks kept.
  auto variants = CaseVariants(a[0]);
  EXPECT_EQ(variants.size(), 8u);
  EXPECT_NE(std::find(variants.begin(), variants.end(), b[0]), variants.end());
  std::vector<uint32_t> d;
  CollectTrigrams("a_1", &d);
  EXPECT_EQ(CaseVariants(d[0]).size(), 2u);
  CollectTrigrams("a\nbc\xc3\xa9", &c);  // every window holds a newline or a high byte
  EXPECT_TRUE(c.empty());
}

TEST(Segment, PostingsRoundTripAndMerge) {
  TempDir dir;
  SegmentBuilder builder;
  builder.Add(10, "a.c", "int foo_bar(void);\n");
  builder.Add(11, "b.c", "FOO_BAR\n");
  builder.Add(12, "c.c", "nothing here\n");
  auto info = builder.FinishToFile(dir.path() + "/s1");
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->doc_count, 3u);
  auto seg = SegmentReader::Open(dir.path() + "/s1");
  ASSERT_TRUE(seg.ok()) << seg.status().message();
  EXPECT_EQ((*seg)->doc_path(1), "b.c");
  EXPECT_EQ((*seg)->doc_key(2), 12u);
  std::vector<uint32_t> t, docs;
  CollectTrigrams("foo", &t);
  (*seg)->Postings(t[0], &docs);
  EXPECT_EQ(docs, (std::vector<uint32_t>{0}));  // "FOO_BAR" holds "FOO", not "foo"

  SegmentBuilder second;
  second.Add(20, "d.c", "foo again\n");
  ASSERT_TRUE(second.FinishToFile(dir.path() + "/s2").ok());
  auto seg2 = SegmentReader::Open(dir.path() + "/s2");
  ASSERT_TRUE(seg2.ok());
  auto deleted = std::make_shared<std::vector<bool>>(std::vector<bool>{true, false, false});
  auto merged =
      MergeSegmentsToFile({{*seg, deleted, "s1"}, {*seg2, nullptr, "s2"}}, dir.path() + "/m");
  ASSERT_TRUE(merged.ok()) << merged.status().message();
  EXPECT_EQ(merged->doc_count, 3u);
  auto m = SegmentReader::Open(dir.path() + "/m");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->doc_path(0), "b.c");
  EXPECT_EQ((*m)->doc_key(2), 20u);
  (*m)->Postings(t[0], &docs);
  EXPECT_EQ(docs, (std::vector<uint32_t>{2}));
}

TEST(Segment, CorruptionIsDetected) {
  TempDir dir;
  SegmentBuilder builder;
  builder.Add(1, "a.c", "some content\n");
  ASSERT_TRUE(builder.FinishToFile(dir.path() + "/s").ok());
  auto bytes = ReadFile(dir.path() + "/s");
  ASSERT_TRUE(bytes.ok());
  std::string flipped = *bytes;
  flipped[10] ^= 1;
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/bad", flipped).ok());
  auto bad = SegmentReader::Open(dir.path() + "/bad");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("checksum"), std::string::npos);
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/short", bytes->substr(0, 20)).ok());
  EXPECT_FALSE(SegmentReader::Open(dir.path() + "/short").ok());
}

TEST(Search, IndexNarrowsAndVerifies) {
  TempDir dir;
  dir.Write("a/x.c", "one\ntwo foo\nthree\n");
  dir.Write("a.c", "FOO\nbar");
  dir.Write("b.c", "fo o\n");
  SegmentBuilder builder;
  builder.Add(1, "a/x.c", "one\ntwo foo\nthree\n");
  builder.Add(2, "a.c", "FOO\nbar");
  builder.Add(3, "b.c", "fo o\n");
  ASSERT_TRUE(builder.FinishToFile(dir.path() + "/seg").ok());
  auto seg = SegmentReader::Open(dir.path() + "/seg");
  ASSERT_TRUE(seg.ok());
  std::vector<SegmentView> views{{*seg, nullptr, "seg"}};
  // Component-wise path order: a/x.c before a.c, as rg --sort path.
  EXPECT_EQ(Grep(views, dir.path(), "foo"), "a/x.c:2:two foo\n");
  GrepOptions icase;
  icase.ignore_case = true;
  EXPECT_EQ(Grep(views, dir.path(), "foo", icase), "a/x.c:2:two foo\na.c:1:FOO\n");
  // A pattern without trigrams scans every file.
  GrepOptions invert;
  invert.invert = true;
  EXPECT_EQ(Grep(views, dir.path(), "o", invert), "a/x.c:3:three\na.c:1:FOO\na.c:2:bar\n");
  // Deleted documents are not searched.
  auto deleted = std::make_shared<std::vector<bool>>(std::vector<bool>{true, false, false});
  EXPECT_EQ(Grep({{*seg, deleted, "seg"}}, dir.path(), "o$"), "b.c:1:fo o\n");
}

TEST(Search, ContextMaxCountAndCap) {
  TempDir dir;
  std::string text = "foo1\nbar\nfoo2\nbaz\nfoo3\n";
  dir.Write("m.txt", text);
  SegmentBuilder builder;
  builder.Add(1, "m.txt", text);
  ASSERT_TRUE(builder.FinishToFile(dir.path() + "/seg").ok());
  auto seg = SegmentReader::Open(dir.path() + "/seg");
  ASSERT_TRUE(seg.ok());
  std::vector<SegmentView> views{{*seg, nullptr, "seg"}};
  GrepOptions o;
  o.max_count = 1;
  o.after = 3;
  // As rg 13: the window of the last counted line still shows later matches.
  EXPECT_EQ(Grep(views, dir.path(), "foo", o),
            "m.txt:1:foo1\nm.txt-2-bar\nm.txt:3:foo2\nm.txt-4-baz\n");
  GrepOptions cap;
  cap.max_results = 2;
  auto p = Pattern::Compile("foo", cap);
  ASSERT_TRUE(p.ok());
  auto r = Search(views, {}, dir.path(), **p, cap);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->partial);
  EXPECT_EQ(FormatRipgrep(*r, cap), "m.txt:1:foo1\nm.txt:3:foo2\n");
}

TEST(Pattern, ClearErrors) {
  GrepOptions o;
  auto bad = Pattern::Compile("a(b", o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("invalid pattern"), std::string::npos);
  auto nl = Pattern::Compile("a\\nb", o);
  ASSERT_FALSE(nl.ok());
  EXPECT_NE(nl.status().message().find("not allowed"), std::string::npos);
  o.multiline = true;
  EXPECT_TRUE(Pattern::Compile("a\\nb", o).ok());
  GrepOptions plain;
  auto huge = Pattern::Compile("((((a{100}){100}){100}){100})", plain);
  EXPECT_FALSE(huge.ok());
}

}  // namespace
}  // namespace ts::grep

namespace ts::grep {
namespace {

// A file over kBlockBytes is indexed in blocks; only candidate blocks are
// searched, and line numbers, -m and -l still count over the whole file.
TEST(Search, LargeFilesAreSearchedByBlock) {
  TempDir dir;
  std::string text;
  uint64_t line = 0;
  std::vector<uint64_t> needle_lines;
  while (text.size() < 3 * kBlockBytes) {
    ++line;
    bool late = text.size() > 2 * kBlockBytes + 100 && needle_lines.size() < 4;
    if (line == 7 || line == 5000 || line == 5001 || late) {
      text += "needle " + std::to_string(line) + "\n";
      needle_lines.push_back(line);
    } else {
      text += "filler line " + std::to_string(line) + " of the haystack\n";
    }
  }
  dir.Write("big.txt", text);
  SegmentBuilder builder;
  builder.Add(1, "big.txt", text);
  ASSERT_TRUE(builder.FinishToFile(dir.path() + "/seg").ok());
  auto seg = SegmentReader::Open(dir.path() + "/seg");
  ASSERT_TRUE(seg.ok());
  ASSERT_GE((*seg)->doc_count(), 3u);
  EXPECT_EQ((*seg)->doc_offset(0), 0u);
  EXPECT_GT((*seg)->doc_first_line(1), 1u);
  std::vector<SegmentView> views{{*seg, nullptr, "seg"}};
  std::string expected;
  for (uint64_t n : needle_lines) {
    expected += "big.txt:" + std::to_string(n) + ":needle " + std::to_string(n) + "\n";
  }
  EXPECT_EQ(Grep(views, dir.path(), "needle"), expected);
  GrepOptions m;
  m.max_count = 3;
  std::string first_three;
  for (size_t i = 0; i < 3; ++i) {
    uint64_t n = needle_lines[i];
    first_three += "big.txt:" + std::to_string(n) + ":needle " + std::to_string(n) + "\n";
  }
  EXPECT_EQ(Grep(views, dir.path(), "needle", m), first_three);
  GrepOptions l;
  l.files_with_matches = true;
  EXPECT_EQ(Grep(views, dir.path(), "needle", l), "big.txt\n");
  // Grep answers from the content the index holds (the watcher keeps it
  // current), so an edit not yet indexed does not shift its lines.
  dir.Write("big.txt", "x\n" + text);
  EXPECT_EQ(Grep(views, dir.path(), "needle"), expected);
}

}  // namespace
}  // namespace ts::grep

#include <cctype>
#include <random>

#include "grep/literal_finder.h"

namespace ts::grep {
namespace {

TEST(LiteralFinder, AgreesWithStringFind) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab_XY1 ";
  for (int round = 0; round < 2000; ++round) {
    std::string hay, needle;
    for (int i = rng() % 200; i > 0; --i) hay.push_back(alphabet[rng() % alphabet.size()]);
    for (int i = 1 + rng() % 5; i > 0; --i) needle.push_back(alphabet[rng() % alphabet.size()]);
    LiteralFinder finder(needle);
    for (size_t from = 0; from <= hay.size(); from += 1 + rng() % 20) {
      ASSERT_EQ(finder.Find(hay, from), hay.find(needle, from)) << hay << " / " << needle;
    }
  }
}

// Haystacks long enough for the 32-byte vector blocks, needles up to 40
// bytes (anchors far apart), matches near both ends.
TEST(LiteralFinder, AgreesWithStringFindOnLongInputs) {
  std::mt19937 rng(11);
  const std::string alphabet = "abQ";  // few letters: many partial matches
  for (int round = 0; round < 3000; ++round) {
    std::string hay, needle;
    for (int i = rng() % 400; i > 0; --i) hay.push_back(alphabet[rng() % alphabet.size()]);
    for (int i = 1 + rng() % 40; i > 0; --i) needle.push_back(alphabet[rng() % alphabet.size()]);
    if (!hay.empty() && rng() % 2) {
      size_t at = rng() % 2 ? 0 : hay.size() - std::min(hay.size(), needle.size());
      hay.replace(at, std::min(needle.size(), hay.size() - at), needle);
    }
    LiteralFinder finder(needle);
    for (size_t from = 0; from <= hay.size(); from += 1 + rng() % 50) {
      ASSERT_EQ(finder.Find(hay, from), hay.find(needle, from)) << hay << " / " << needle;
    }
  }
}

std::string AsciiLowered(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(CountNewlines, AgreesWithStdCount) {
  std::mt19937 rng(3);
  for (int round = 0; round < 300; ++round) {
    std::string text;
    // Long runs of newlines overflow a byte lane if it is not flushed in time.
    const int newline_share = static_cast<int>(rng() % 3);
    for (int i = rng() % 9000; i > 0; --i) {
      text.push_back(newline_share == 2 || rng() % 3 < static_cast<unsigned>(newline_share) ? '\n'
                                                                                            : 'x');
    }
    for (size_t from = 0; from < text.size(); from += 1 + rng() % 3000) {
      std::string_view part = std::string_view(text).substr(from);
      ASSERT_EQ(CountNewlines(part),
                static_cast<size_t>(std::count(part.begin(), part.end(), '\n')));
    }
  }
}

TEST(LiteralFinder, FoldsAsciiCaseOnly) {
  std::mt19937 rng(5);
  const std::string alphabet = "aAbB_@`[{1";  // '@' '`' '[' '{' sit one bit from letters
  for (int round = 0; round < 3000; ++round) {
    std::string hay, needle;
    for (int i = rng() % 300; i > 0; --i) hay.push_back(alphabet[rng() % alphabet.size()]);
    for (int i = 1 + rng() % 6; i > 0; --i) needle.push_back(alphabet[rng() % alphabet.size()]);
    LiteralFinder finder(needle, /*fold_ascii_case=*/true);
    const std::string lowered = AsciiLowered(hay);
    for (size_t from = 0; from <= hay.size(); from += 1 + rng() % 30) {
      ASSERT_EQ(finder.Find(hay, from), lowered.find(AsciiLowered(needle), from))
          << hay << " / " << needle;
    }
  }
  EXPECT_EQ(LiteralFinder("PM_Resume", true).Find("x pm_RESUME"), 2u);
  EXPECT_EQ(LiteralFinder("pm_resume", true).Find("x pm@resume PM_RESUM"), std::string::npos);
}

}  // namespace
}  // namespace ts::grep
