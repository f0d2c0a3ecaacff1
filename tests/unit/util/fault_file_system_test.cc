// The fault-injecting file system itself: each injected fault fails the
// write it aims at and leaves the old file, and DropUnsyncedData leaves what
// a power cut would. The index's own fault tests (index/fault_injection_test)
// rely on both.
#include "util/fault_file_system.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "util/file.h"
#include "util/file_system.h"

namespace ts {
namespace {

namespace fs = std::filesystem;
using Op = FaultInjectionFileSystem::Op;

class FaultFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ts-fault-fs-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Read(const std::string& name) {
    auto r = ReadFile(dir_ + "/" + name);
    return r.ok() ? *r : "<missing>";
  }
  size_t Entries() { return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), {})); }
  std::string dir_;
};

TEST_F(FaultFileSystemTest, EachInjectedFaultFailsTheWriteAndKeepsTheOldFile) {
  FaultInjectionFileSystem faults;
  ScopedFileSystem scope(&faults);
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/f", "old contents").ok());
  EXPECT_EQ(faults.Count(Op::kWrite), 1u);
  EXPECT_EQ(faults.Count(Op::kSync), 1u);
  EXPECT_EQ(faults.Count(Op::kRename), 1u);
  EXPECT_EQ(faults.Count(Op::kSyncDir), 1u);
  for (Op op : {Op::kWrite, Op::kSync, Op::kRename}) {
    faults.FailNth(op, 1);
    Status s = WriteFileAtomic(dir_ + "/f", "new contents");
    EXPECT_EQ(s.code(), Status::Code::kIoError) << static_cast<int>(op);
    EXPECT_NE(s.message().find("injected fault"), std::string::npos) << s.message();
    EXPECT_EQ(Read("f"), "old contents");
    EXPECT_EQ(Entries(), 1u) << "the temp file is removed";
  }
  // A failed directory fsync comes after the rename: the new file is there,
  // but the caller is told it may not survive a power cut.
  faults.FailNth(Op::kSyncDir, 1);
  EXPECT_FALSE(WriteFileAtomic(dir_ + "/f", "new contents").ok());
  EXPECT_EQ(Read("f"), "new contents");
  // The next call of a kind fails only when asked to.
  EXPECT_TRUE(WriteFileAtomic(dir_ + "/f", "newer").ok());
  faults.FailNth(Op::kWrite, 2);
  EXPECT_TRUE(WriteFileAtomic(dir_ + "/g", "first").ok());
  EXPECT_FALSE(WriteFileAtomic(dir_ + "/g", "second").ok());
  EXPECT_EQ(Read("g"), "first");
}

TEST_F(FaultFileSystemTest, APowerCutLosesWhatWasNotSynced) {
  FaultInjectionFileSystem faults;
  ScopedFileSystem scope(&faults);
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/durable", "kept").ok());
  // Written and renamed, but the directory fsync failed: the rename is undone.
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/replaced", "v1").ok());
  faults.FailNth(Op::kSyncDir, 1);
  ASSERT_FALSE(WriteFileAtomic(dir_ + "/replaced", "v2").ok());
  faults.FailNth(Op::kSyncDir, 1);
  ASSERT_FALSE(WriteFileAtomic(dir_ + "/created", "new").ok());
  // Appended but never synced: the bytes go.
  auto writer = AtomicFileWriter::Create(dir_ + "/partial");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("unsynced bytes").ok());
  ASSERT_TRUE(faults.DropUnsyncedData().ok());
  EXPECT_EQ(Read("durable"), "kept");
  EXPECT_EQ(Read("replaced"), "v1");
  EXPECT_EQ(Read("created"), "<missing>");
  writer->reset();  // removes its temp file
  EXPECT_EQ(Entries(), 2u);
}

TEST_F(FaultFileSystemTest, TheScopeRestoresThePosixFileSystem) {
  {
    FaultInjectionFileSystem faults;
    ScopedFileSystem scope(&faults);
    EXPECT_EQ(&CurrentFileSystem(), &faults);
  }
  EXPECT_EQ(&CurrentFileSystem(), &PosixFileSystem());
}

}  // namespace
}  // namespace ts
