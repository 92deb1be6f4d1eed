// The execution gate's decision cache: (device, inode, size, mtime, ctime, class) -> the answer
// given and the decision behind it. Invalidated per inode on FAN_MODIFY / FAN_CLOSE_WRITE, wholly
// on a queue overflow or a reload. Thread-safe (one mutex: lookups are a hash probe).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gate/exec_class.hpp"
#include "gate/exec_file_probe.hpp"
#include "policy/decision.hpp"

namespace signet::gate {

struct CacheKey {
  FileIdentity file;
  GateClass cls = GateClass::kExecutable;
  bool operator==(const CacheKey&) const = default;
};

struct InodeKey {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  bool operator==(const InodeKey&) const = default;
};

struct InodeKeyHash {
  std::size_t operator()(const InodeKey& k) const noexcept;
};

struct CachedDecision {
  bool answer_allow = false;  // what the kernel was told
  std::shared_ptr<const policy::Decision> decision;
  std::uint64_t generation = 0;  // of the configuration it was decided under
};

class DecisionCache {
 public:
  explicit DecisionCache(std::size_t max_entries = 1 << 17) : max_entries_(max_entries) {}

  [[nodiscard]] std::optional<CachedDecision> lookup(const CacheKey& key,
                                                     std::uint64_t generation) const;
  // Stores unless something was invalidated since `sequence` (from invalidation_sequence(), taken
  // before the file was read): a decision about content that may have changed is not kept.
  void store(const CacheKey& key, CachedDecision value, std::uint64_t sequence);
  // Drops every entry of the inode; returns how many.
  std::size_t invalidate(std::uint64_t dev, std::uint64_t ino);
  void clear();
  [[nodiscard]] std::uint64_t invalidation_sequence() const noexcept { return sequence_.load(); }
  [[nodiscard]] std::size_t size() const;

 private:
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  // Per inode, the few (identity, class) entries it has: invalidation drops one bucket.
  std::unordered_map<InodeKey, std::vector<std::pair<CacheKey, CachedDecision>>, InodeKeyHash>
      entries_;
  std::size_t count_ = 0;
  std::atomic<std::uint64_t> sequence_{0};
};

}  // namespace signet::gate
