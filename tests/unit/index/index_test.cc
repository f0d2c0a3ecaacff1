// Index: commits, unchanged files, edits that tombstone old chunks, deletions,
// merges, reopening from disk, and queries on a snapshot while an update
// publishes the next one. A real catalog (SQLite), real ctags, real files.
#include "index/index.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

namespace ts::index {
namespace {

namespace fs = std::filesystem;

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ts-index-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    root_ = base_ + "/src";
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(base_); }

  void Write(const std::string& rel, const std::string& text) {
    fs::create_directories(fs::path(root_ + "/" + rel).parent_path());
    std::ofstream(root_ + "/" + rel) << text;
  }
  std::unique_ptr<Index> Create() {
    auto idx = Index::Create(base_ + "/index", "t", root_);
    EXPECT_TRUE(idx.ok()) << idx.status().ToString();
    return idx.ok() ? std::move(idx).value() : nullptr;
  }
  static UpdateSummary Update(Index* idx, UpdateOptions options = {}) {
    options.threads = 2;
    UpdateSummary summary;
    Status s = idx->Update(options, nullptr, &summary);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return summary;
  }
  // The files of a lexical query's hits, best first.
  static std::vector<std::string> Files(const Index& idx, const std::string& query) {
    QueryOptions q;
    q.mode = "lexical";
    q.top_k = 50;
    q.include_content = false;
    auto r = idx.Query(query, q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> files;
    if (r.ok()) {
      for (const auto& h : r->hits) files.push_back(h.file);
    }
    return files;
  }

  std::string base_, root_;
};

// A name that is one token (no '_' or digits for the tokenizer to split on).
std::string Word(const std::string& stem, int i) {
  return "zq" + stem + static_cast<char>('a' + i / 26) + static_cast<char>('a' + i % 26);
}

std::string Function(const std::string& name, int i, const std::string& comment = "") {
  return "def " + name + "(value):\n    return value * " + std::to_string(i) +
         (comment.empty() ? "" : "  # " + comment) + "\n";
}

TEST_F(IndexTest, AOneLetterQueryFindsTheDefinitionFirst) {
  // "g" is too short for the lexical lane: the grep lane finds the lines that
  // name it, and the file that defines it comes before the files that use it.
  Write("uses.py",
        "def handler(request):\n    g.user = request.user\n    return g.user, g.db, g\n");
  Write("app.py", "def render(page):\n    return draw(page, g=g,\n                ctx=None)\n");
  Write("globals.py",
        "\"\"\"Proxies to the objects of the current context.\"\"\"\nimport proxy\n\n"
        "g: Globals = proxy.make('g', unbound='outside of an application context')\n"
        "request = proxy.make('request')\n");
  Write("other.py", "def unrelated(value):\n    return value + 1\n");
  auto idx = Create();
  ASSERT_NE(idx, nullptr);
  Update(idx.get());
  for (const char* mode : {"lexical", "hybrid"}) {
    QueryOptions q;
    q.mode = mode;
    q.top_k = 10;
    auto r = idx->Query("g", q);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    std::string got;
    for (const auto& h : r->hits) got += h.file + ":" + std::to_string(h.start_line) + " ";
    ASSERT_EQ(r->hits.size(), 3u) << mode << ": " << got;
    EXPECT_EQ(r->hits[0].file, "globals.py") << mode;
    EXPECT_NE(r->hits[0].match_reason.find("defined at line 4 "), std::string::npos)
        << r->hits[0].match_reason;
    EXPECT_EQ(r->hits[1].file, "uses.py") << mode;  // more lines name it than in app.py
    EXPECT_EQ(r->hits[2].file, "app.py") << mode;
    // The first k hits do not depend on top_k.
    q.top_k = 1;
    auto first = idx->Query("g", q);
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->hits.size(), 1u);
    EXPECT_EQ(first->hits[0].id, r->hits[0].id);
  }
  QueryOptions q;
  q.mode = "lexical";
  auto none = idx->Query("q", q);  // named nowhere
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->hits.empty());
}

TEST_F(IndexTest, ADefinitionQuerysFirstHitsDoNotDependOnTopK) {
  // Ten files define a long `Widget`; fifteen mention it often in short
  // functions and rank above them. The definitions among the first hits come
  // first, the same ones whatever top_k asks (a top_k of 40 once lifted
  // every definition of its 40 hits above the mentions).
  std::string body;
  for (int line = 0; line < 40; ++line) {
    body +=
        "    field_" + std::to_string(line) + " = compute_value(" + std::to_string(line) + ")\n";
  }
  for (int i = 0; i < 10; ++i)
    Write("pkg/def" + std::to_string(i) + ".py", "class Widget:\n" + body);
  for (int i = 0; i < 15; ++i) {
    const std::string n = std::to_string(i);
    Write("app/use" + n + ".py",
          "def use_" + n + "(x):\n    return Widget(Widget(x), Widget, Widget, Widget)\n");
  }
  auto idx = Create();
  ASSERT_NE(idx, nullptr);
  Update(idx.get());
  for (const char* mode : {"lexical", "hybrid"}) {
    std::map<size_t, std::vector<std::string>> runs;
    for (size_t k : {1, 3, 5, 10, 40}) {
      QueryOptions q;
      q.mode = mode;
      q.top_k = k;
      q.include_content = false;
      auto r = idx->Query("Widget", q);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(r->intent, "definition");
      for (const auto& h : r->hits) runs[k].push_back(h.file + ":" + std::to_string(h.start_line));
    }
    ASSERT_GE(runs[40].size(), 25u) << mode;
    for (size_t k : {1, 3, 5, 10}) {
      ASSERT_EQ(runs[k].size(), k) << mode;
      EXPECT_TRUE(std::equal(runs[k].begin(), runs[k].end(), runs[40].begin()))
          << mode << " top_k " << k;
    }
    // Definitions first among the first hits, mentions after them.
    EXPECT_EQ(runs[40][0].rfind("pkg/def", 0), 0u) << mode << ": " << runs[40][0];
    EXPECT_EQ(runs[40][9].rfind("app/use", 0), 0u) << mode << ": " << runs[40][9];
  }
}

TEST_F(IndexTest, AQuestionFindsOtherFormsOfItsWordsADocCommentSentenceDoesNot) {
  // "registered" is in no file; "register" and "factory" are. A question
  // paraphrases the code, so the lexical lane looks for the other forms of
  // its words; a sentence that reads like a doc comment ("Returns ...")
  // shares its definition's very words and is searched as written.
  Write("registry.py",
        "def add_factory(register, factory):\n    register.add(factory)\n    return register\n");
  Write("other.py", "def unrelated_helper(x):\n    return x + 1\n");
  auto idx = Create();
  ASSERT_NE(idx, nullptr);
  Update(idx.get());
  QueryOptions q;
  q.mode = "lexical";
  q.include_content = false;
  auto question = idx->Query("how are factories registered", q);
  ASSERT_TRUE(question.ok()) << question.status().ToString();
  ASSERT_FALSE(question->hits.empty());
  EXPECT_EQ(question->hits[0].file, "registry.py");
  auto sentence = idx->Query("Returns factories registered elsewhere.", q);
  ASSERT_TRUE(sentence.ok()) << sentence.status().ToString();
  for (const auto& h : sentence->hits) EXPECT_NE(h.file, "registry.py");
}

TEST_F(IndexTest, UpdateCommitsAndUnchangedFilesAreSkipped) {
  Write("a.py", Function("zqalpha", 1));
  Write("pkg/b.py", Function("zqbeta", 2));
  auto idx = Create();
  ASSERT_NE(idx, nullptr);
  UpdateSummary first = Update(idx.get());
  EXPECT_EQ(first.files_indexed, 2u);
  EXPECT_GE(first.commits, 1u);
  EXPECT_EQ(idx->Info().files, 2u);
  EXPECT_EQ(Files(*idx, "zqbeta"), std::vector<std::string>{"pkg/b.py"});
  UpdateSummary second = Update(idx.get());
  EXPECT_EQ(second.files_indexed, 0u);
  EXPECT_EQ(second.files_unchanged, 2u);
}

TEST_F(IndexTest, AnEditReplacesTheFilesChunksAndADeletionDropsThem) {
  Write("a.py", Function("zqoldname", 1));
  Write("b.py", Function("zqstays", 2));
  auto idx = Create();
  ASSERT_NE(idx, nullptr);
  Update(idx.get());
  Write("a.py", Function("zqnewname", 1));
  UpdateSummary edit = Update(idx.get());
  EXPECT_EQ(edit.files_indexed, 1u);
  EXPECT_TRUE(Files(*idx, "zqoldname").empty());
  EXPECT_EQ(Files(*idx, "zqnewname"), std::vector<std::string>{"a.py"});
  fs::remove(root_ + "/a.py");
  UpdateSummary removal = Update(idx.get());
  EXPECT_EQ(removal.files_deleted, 1u);
  EXPECT_TRUE(Files(*idx, "zqnewname").empty());
  EXPECT_EQ(idx->Info().files, 1u);
}

// Saving one file costs that file: the update reads that file's catalog row
// only, looks at that file's vectors only for reuse, and applies its
// tombstones to the segments it keeps without rescanning them; the result is
// the index a full reload computes.
TEST_F(IndexTest, AOneFileUpdateReadsThatFileOnly) {
  for (int i = 0; i < 30; ++i)
    Write("m/mod_" + std::to_string(i) + ".py",
          Function(Word("keep", i), i) + "\n" + Function(Word("other", i), i + 1));
  auto idx = Create();
  ASSERT_NE(idx, nullptr);
  UpdateSummary full = Update(idx.get());
  EXPECT_EQ(full.file_rows_read, 0u);  // a new index has no rows yet
  EXPECT_EQ(Update(idx.get()).file_rows_read, 30u);

  Write("m/mod_3.py", Function(Word("keep", 3), 3) + "\n" + Function("zqreplaced", 4));
  UpdateOptions options;
  UpdateSummary one;
  ASSERT_TRUE(idx->UpdatePaths({"m/mod_3.py"}, options, &one).ok());
  EXPECT_EQ(one.files_indexed, 1u);
  EXPECT_EQ(one.file_rows_read, 1u);
  // Only mod_3.py's two previous chunks (fewer without a model) were looked at.
  EXPECT_LE(one.vectors_considered, 2u);
  EXPECT_TRUE(Files(*idx, Word("other", 3)).empty());
  EXPECT_EQ(Files(*idx, "zqreplaced"), std::vector<std::string>{"m/mod_3.py"});
  EXPECT_EQ(Files(*idx, Word("keep", 3)), std::vector<std::string>{"m/mod_3.py"});
  EXPECT_EQ(one.total_files, 30u);

  // Deleting a file by name the same way.
  fs::remove(root_ + "/m/mod_5.py");
  UpdateSummary gone;
  ASSERT_TRUE(idx->UpdatePaths({"m/mod_5.py"}, options, &gone).ok());
  EXPECT_EQ(gone.files_deleted, 1u);
  EXPECT_EQ(gone.file_rows_read, 1u);
  EXPECT_TRUE(Files(*idx, Word("keep", 5)).empty());

  // What the incremental masks left live is what a reload computes from the table.
  const IndexInfo live = idx->Info();
  idx.reset();
  auto reopened = Index::Open(base_ + "/index");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ((*reopened)->Info().chunks, live.chunks);
  EXPECT_EQ((*reopened)->Info().files, 29u);
  EXPECT_EQ(live.files, 29u);
  EXPECT_TRUE(Files(**reopened, Word("other", 3)).empty());
}

TEST_F(IndexTest, SmallRoundsCommitOftenAndMergesKeepEveryFile) {
  for (int i = 0; i < 40; ++i)
    Write("m/mod_" + std::to_string(i) + ".py", Function(Word("marker", i), i));
  auto idx = Create();
  ASSERT_NE(idx, nullptr);
  UpdateOptions small;
  small.round_bytes = 256;  // a commit every few files
  small.max_segments = 2;   // and merges
  UpdateSummary s = Update(idx.get(), small);
  EXPECT_GT(s.commits, 4u);
  const IndexInfo info = idx->Info();
  EXPECT_EQ(info.files, 40u);
  EXPECT_LE(info.segments, 3u);
  for (int i = 0; i < 40; i += 7) {
    EXPECT_EQ(Files(*idx, Word("marker", i)),
              std::vector<std::string>{"m/mod_" + std::to_string(i) + ".py"})
        << i;
  }
}

TEST_F(IndexTest, ReopenedIndexAnswersFromDisk) {
  Write("a.py", Function("zqpersisted", 1));
  {
    auto idx = Create();
    ASSERT_NE(idx, nullptr);
    Update(idx.get());
  }
  auto reopened = Index::Open(base_ + "/index");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ((*reopened)->Info().files, 1u);
  EXPECT_EQ(Files(**reopened, "zqpersisted"), std::vector<std::string>{"a.py"});
}

TEST_F(IndexTest, QueriesDuringAnUpdateSeeWholeFiles) {
  // Queries run while an update rewrites every file: each answer holds every
  // file exactly once, old or new, never both and never neither.
  for (int i = 0; i < 30; ++i)
    Write("f" + std::to_string(i) + ".py", Function(Word("old", i), i, "zqmark"));
  auto idx = Create();
  ASSERT_NE(idx, nullptr);
  Update(idx.get());
  for (int i = 0; i < 30; ++i)
    Write("f" + std::to_string(i) + ".py", Function(Word("new", i), i, "zqmark"));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    UpdateOptions small;
    small.round_bytes = 128;
    Update(idx.get(), small);
    done = true;
  });
  int checks = 0;
  do {
    std::vector<std::string> files = Files(*idx, "zqmark");
    std::sort(files.begin(), files.end());
    EXPECT_EQ(files.size(), 30u);
    EXPECT_EQ(std::unique(files.begin(), files.end()), files.end());
    ++checks;
  } while (!done.load());
  writer.join();
  EXPECT_GE(checks, 1);
  EXPECT_EQ(Files(*idx, Word("old", 3)).size(), 0u);
  EXPECT_EQ(Files(*idx, Word("new", 3)), std::vector<std::string>{"f3.py"});
}

}  // namespace
}  // namespace ts::index
