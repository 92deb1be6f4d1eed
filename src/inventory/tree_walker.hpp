// The file-system walk of `signet scan`: directories are opened relative to their parent's
// descriptor (openat + getdents64), never by path, so that paths longer than PATH_MAX are walked
// like any other and a directory renamed meanwhile cannot redirect the walk. Mount points are not
// crossed unless asked; symlinks are reported, never followed; FIFOs, sockets and devices are
// skipped. Several threads walk at once (a directory each); the visitor is called from all of
// them, with the walking thread's index, in name order within each directory.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "inventory/unique_fd.hpp"

namespace signet::inventory {

// An open directory. Shared with whoever still has to open files in it (the hashing workers): the
// descriptor closes when the last of them is done.
struct Directory {
  UniqueFd fd;
};

struct WalkedFile {
  std::shared_ptr<const Directory> dir;
  std::string path;   // absolute, raw bytes
  std::string name;   // last component, raw bytes
  struct stat st {};  // lstat as listed
  // A separate signature beside it (FILE.sig, FILE.p7s, FILE.minisig: the first present).
  std::optional<std::string> sidecar_name;
  struct stat sidecar_st {};
};

// A regular file as the walk sees it, valid during the visitor call only (nothing is copied for
// files the visitor decides not to read).
struct FileView {
  const std::shared_ptr<Directory>& dir;
  std::string_view path;
  std::string_view name;
  const struct stat& st;
  std::string_view sidecar_name;  // empty: none
  const struct stat* sidecar_st = nullptr;

  [[nodiscard]] WalkedFile own() const;
};

enum class Skip { kSpecial, kMountPoint, kExcluded };

class WalkVisitor {
 public:
  virtual ~WalkVisitor() = default;
  virtual void regular_file(unsigned thread, const FileView& file) = 0;
  virtual void symlink(unsigned thread, const std::string& path, const struct stat& st,
                       std::string target) = 0;
  virtual void skipped(unsigned thread, const std::string& path, Skip why) = 0;
  // Something that could not be walked or listed: permission denied, vanished, too deep.
  virtual void error(unsigned thread, const std::string& path, const std::string& message,
                     bool vanished) = 0;
};

struct WalkOptions {
  std::vector<std::string> roots;     // absolute, normalized (normalize_root)
  std::vector<std::string> excludes;  // globs (exclude_matches)
  bool cross_mounts = false;
  unsigned threads = 1;                     // walking threads (the caller's is one of them)
  const std::atomic<bool>* stop = nullptr;  // checked between entries
};

// Walks every root. Fails only when nothing can be walked at all (a root that does not exist is
// reported through the visitor, like any other path).
void walk(const WalkOptions& options, WalkVisitor& visitor);

// Absolute and lexically normal ("a/../b" -> "b", no trailing "/"), relative to `cwd`.
[[nodiscard]] std::string normalize_root(const std::string& path, const std::string& cwd);

// --exclude: a glob with a "/" is matched against the whole path, one without against the last
// component (fnmatch, "*" also matches "/").
[[nodiscard]] bool exclude_matches(const std::vector<std::string>& excludes,
                                   const std::string& path, const std::string& name);

// Raises the soft limit on open files to the hard limit: each directory level of a deep tree
// holds one descriptor while its subtree is walked. Returns the limit now in force.
std::uint64_t raise_open_file_limit() noexcept;

}  // namespace signet::inventory
