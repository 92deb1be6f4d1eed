// The inventory's pure parts: the path escape, kind detection from head and tail bytes, the
// difference categories, and comparisons with a baseline.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "inventory/baseline.hpp"
#include "inventory/diff.hpp"
#include "inventory/file_kind.hpp"
#include "inventory/path_text.hpp"

namespace signet::inventory {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(PathText, EscapesOnlyWhatIsNotUtf8AndBackslashes) {
  EXPECT_EQ(escape_path("/usr/bin/ls"), "/usr/bin/ls");
  EXPECT_EQ(escape_path("/tmp/caf\xc3\xa9"), "/tmp/caf\xc3\xa9");  // UTF-8 é stays
  EXPECT_EQ(escape_path("/tmp/caf\xe9"), "/tmp/caf\\xe9");         // Latin-1 é does not
  EXPECT_EQ(escape_path("a\\b"), "a\\\\b");
  EXPECT_EQ(escape_path(std::string("\xed\xa0\x80", 3)), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(escape_path("\xc0\xaf"), "\\xc0\\xaf");                           // overlong '/'
  EXPECT_TRUE(is_plain_path("/usr/bin/ls"));
  EXPECT_FALSE(is_plain_path("a\\b"));
  EXPECT_FALSE(is_plain_path("\xff"));
}

TEST(PathText, RoundTripsEveryByte) {
  std::string all;
  for (int i = 1; i < 256; ++i) all.push_back(static_cast<char>(i));
  const std::string escaped = escape_path(all);
  ASSERT_EQ(decode_path(escaped), all);
  EXPECT_EQ(decode_path("caf\\xe9"), std::string("caf\xe9"));
}

TEST(PathText, RejectsWhatTheEscapeNeverProduces) {
  EXPECT_FALSE(decode_path("trailing\\"));
  EXPECT_FALSE(decode_path("\\q"));
  EXPECT_FALSE(decode_path("\\xZZ"));
  EXPECT_FALSE(decode_path("\\xE9"));  // upper-case hex
  EXPECT_FALSE(decode_path("\\x41"));  // ASCII is never escaped
  EXPECT_FALSE(decode_path("\\x4"));
  EXPECT_FALSE(decode_path("raw\xff"));
}

TEST(FileKind, ElfExecutableFromARealBinary) {
  std::ifstream in("/usr/bin/true", std::ios::binary);
  std::vector<std::uint8_t> head(kHeadBytes);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  const auto facts = classify(head, {}, 30000, "true");
  EXPECT_EQ(facts.kind, FileKind::kElf);
  EXPECT_EQ(facts.policy_class, "executable");  // PIE with PT_INTERP
  EXPECT_FALSE(facts.may_embed_signature);
  EXPECT_NE(facts.detail.find("x86-64"), std::string::npos) << facts.detail;
}

std::vector<std::uint8_t> elf_header(std::uint16_t type) {
  std::vector<std::uint8_t> h(64, 0);
  h[0] = 0x7f, h[1] = 'E', h[2] = 'L', h[3] = 'F', h[4] = 2, h[5] = 1, h[6] = 1;
  h[16] = static_cast<std::uint8_t>(type);
  h[18] = 62;
  return h;
}

TEST(FileKind, KernelModulesByMarkerOrName) {
  const auto head = elf_header(1);
  const auto marker = bytes("~Module signature appended~\n");
  const auto signed_module = classify(head, marker, 5000, "af_key.ko");
  EXPECT_EQ(signed_module.kind, FileKind::kKernelModule);
  EXPECT_TRUE(signed_module.may_embed_signature);
  const auto unsigned_module = classify(head, bytes("nothing"), 5000, "mine.ko");
  EXPECT_EQ(unsigned_module.kind, FileKind::kKernelModule);
  EXPECT_FALSE(unsigned_module.may_embed_signature);
  EXPECT_EQ(classify(head, bytes("nothing"), 5000, "x.o").kind, FileKind::kElf);
  // A text file named .ko (vim's Korean tutor) is not a module.
  EXPECT_EQ(classify(bytes("===== tutor"), {}, 11, "tutor.ko").kind, FileKind::kOther);
  EXPECT_TRUE(may_embed_signature(head));
}

TEST(FileKind, ScriptsArchivesRaucAndPe) {
  EXPECT_EQ(classify(bytes("#!/bin/sh\necho\n"), {}, 15, "s").kind, FileKind::kScript);
  EXPECT_EQ(classify(bytes("#!/bin/sh\necho\n"), {}, 15, "s").detail, "#!/bin/sh");
  EXPECT_EQ(classify(bytes("\x1f\x8b\x08"), {}, 3, "a.gz").kind, FileKind::kArchive);
  EXPECT_EQ(classify(bytes("!<arch>\ndebian"), {}, 14, "x.deb").kind, FileKind::kArchive);
  const auto module_xz = classify(bytes("\xfd"
                                        "7zXZ\x00"),
                                  {}, 6, "m.ko.xz");
  EXPECT_EQ(module_xz.kind, FileKind::kKernelModule);
  std::vector<std::uint8_t> tail(8, 0);
  tail[7] = 16;  // a 16-byte CMS before the size field
  EXPECT_EQ(classify(bytes("hsqs"), tail, 4096, "b.raucb").kind, FileKind::kRaucBundle);
  tail[7] = 0;  // no CMS: a plain squashfs image
  EXPECT_EQ(classify(bytes("hsqs"), tail, 4096, "img").kind, FileKind::kArchive);
  std::vector<std::uint8_t> pe(256, 0);
  pe[0] = 'M', pe[1] = 'Z', pe[0x3c] = 64;
  pe[64] = 'P', pe[65] = 'E';
  pe[64 + 24] = 0x0b, pe[64 + 25] = 0x02;  // PE32+
  pe[64 + 24 + 68] = 10;                   // EFI application
  const auto efi = classify(pe, {}, 256, "grubx64.efi");
  EXPECT_EQ(efi.kind, FileKind::kPe);
  EXPECT_EQ(efi.policy_class, "efi-application");
  EXPECT_TRUE(efi.may_embed_signature);
}

TEST(FileKind, TruncatedAndHostileHeadersAreBounded) {
  auto elf = elf_header(3);
  elf[32] = 0xff, elf[33] = 0xff, elf[34] = 0xff, elf[35] = 0xff;  // e_phoff far away
  elf[54] = 56, elf[56] = 0xff, elf[57] = 0xff;                    // 65535 program headers
  const auto facts = classify(elf, {}, 64, "lib.so");
  EXPECT_EQ(facts.kind, FileKind::kElf);
  EXPECT_EQ(facts.policy_class, "library");  // no PT_INTERP seen
  EXPECT_FALSE(
      parse_elf_header(bytes("\x7f"
                             "ELF")));
  EXPECT_EQ(classify({}, {}, 0, "").kind, FileKind::kOther);
}

FileRecord file(std::string sha256, SignatureState state = SignatureState::kUnsigned,
                std::string signer = {}) {
  FileRecord r;
  r.path = "/x";
  r.ino = 7;
  r.size = 10;
  r.mode = 0100644;
  r.mtime_ns = 1000;
  r.ctime_ns = 1000;
  r.sha256 = std::move(sha256);
  r.signature.state = state;
  r.signature.signer = std::move(signer);
  return r;
}

std::vector<std::string> kinds(const std::vector<Change>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) out.emplace_back(change_name(c.kind));
  return out;
}

TEST(Diff, EveryCategory) {
  const auto a = file("aa");
  EXPECT_TRUE(compare_entries("/x", a, a).empty());
  EXPECT_EQ(kinds(compare_entries("/x", std::nullopt, a)), std::vector<std::string>{"new"});
  EXPECT_EQ(kinds(compare_entries("/x", a, std::nullopt)), std::vector<std::string>{"removed"});
  EXPECT_EQ(kinds(compare_entries("/x", a, file("bb"))), std::vector<std::string>{"content"});
  auto chmod = a;
  chmod.mode = 0100600;
  chmod.ctime_ns = 2000;
  EXPECT_EQ(kinds(compare_entries("/x", a, chmod)), std::vector<std::string>{"metadata"});
  const auto by_alice = file("aa", SignatureState::kValid, "CN=Alice");
  EXPECT_EQ(kinds(compare_entries("/x", by_alice, file("aa"))),
            std::vector<std::string>{"became-unsigned"});
  EXPECT_EQ(kinds(compare_entries("/x", by_alice, file("cc"))),
            (std::vector<std::string>{"content", "became-unsigned"}));
  EXPECT_EQ(kinds(compare_entries("/x", by_alice, file("aa", SignatureState::kValid, "CN=Bob"))),
            std::vector<std::string>{"signer-changed"});
  // Signed before and signed now, but invalid now: still signed, same signer: content only.
  EXPECT_EQ(
      kinds(compare_entries("/x", by_alice, file("dd", SignatureState::kInvalid, "CN=Alice"))),
      std::vector<std::string>{"content"});
}

TEST(Diff, UnreadableFilesAndSymlinks) {
  auto unreadable = file("");
  unreadable.error = "cannot open: Permission denied";
  EXPECT_TRUE(compare_entries("/x", file("aa"), unreadable).empty());  // nothing comparable
  FileRecord link;
  link.type = EntryType::kSymlink;
  link.link_target = "a";
  auto relinked = link;
  relinked.link_target = "b";
  EXPECT_EQ(kinds(compare_entries("/x", link, relinked)), std::vector<std::string>{"content"});
  EXPECT_EQ(kinds(compare_entries("/x", file("aa"), link)), std::vector<std::string>{"content"});
}

TEST(Baseline, StatementAndComparison) {
  std::vector<StoredEntry> scan(3);
  scan[0].record = file("11");
  scan[0].record.path = "/opt/a";
  scan[1].record = file("22");
  scan[1].record.path = "/opt/caf\xe9";
  scan[2].record.type = EntryType::kSymlink;
  scan[2].record.path = "/opt/link";
  BaselineOptions options;
  options.target = "acme/hmi-01";
  auto statement = baseline_statement(scan, options);
  ASSERT_TRUE(statement);
  EXPECT_EQ(statement->predicate.artifact_class, "trust-bundle");
  ASSERT_EQ(statement->subjects.size(), 2u);  // no symlink
  EXPECT_EQ(statement->subjects[1].name, "/opt/caf\\xe9");
  EXPECT_EQ(statement->subjects[1].digest.at("sha256"), "22");

  const auto entries = baseline_entries(*statement);
  EXPECT_EQ(entries[1].path, "/opt/caf\xe9");
  EXPECT_TRUE(compare_with_baseline(scan, entries, {"/opt"}).empty());
  auto later = scan;
  later[0].record.sha256 = "33";
  later.erase(later.begin() + 1);
  later.push_back(scan[0]);
  later.back().record.path = "/opt/new";
  later.push_back(scan[0]);
  later.back().record.path = "/elsewhere/x";  // outside the baseline's view: still new here
  const auto changes = compare_with_baseline(later, entries, {"/opt"});
  EXPECT_EQ(kinds(changes), (std::vector<std::string>{"new", "content", "removed", "new"}));
  EXPECT_TRUE(changes[1].before_is_baseline);
  // Baseline subjects outside the scan's roots are not "removed".
  EXPECT_TRUE(compare_with_baseline(scan, entries, {"/srv"}).size() == 2);  // both "new"
  EXPECT_FALSE(baseline_statement({}, {}));
}

}  // namespace
}  // namespace signet::inventory
