#include "gate/exec_cache.hpp"

#include <algorithm>

namespace signet::gate {

std::size_t InodeKeyHash::operator()(const InodeKey& k) const noexcept {
  return std::hash<std::uint64_t>{}(k.ino) ^ (std::hash<std::uint64_t>{}(k.dev) << 1);
}

std::optional<CachedDecision> DecisionCache::lookup(const CacheKey& key,
                                                    std::uint64_t generation) const {
  const std::lock_guard lock(mutex_);
  const auto it = entries_.find(InodeKey{key.file.dev, key.file.ino});
  if (it == entries_.end()) return std::nullopt;
  for (const auto& [k, value] : it->second) {
    if (k == key && value.generation == generation) return value;
  }
  return std::nullopt;
}

void DecisionCache::store(const CacheKey& key, CachedDecision value, std::uint64_t sequence) {
  const std::lock_guard lock(mutex_);
  if (sequence_.load() != sequence) return;
  // Bounded: a full cache starts over (decisions are cheap to make again; memory is not).
  if (count_ >= max_entries_) {
    entries_.clear();
    count_ = 0;
  }
  auto& bucket = entries_[InodeKey{key.file.dev, key.file.ino}];
  // Entries of older identities of the inode are stale by construction: keep only this one's.
  const auto before = bucket.size();
  std::erase_if(bucket, [&](const auto& entry) {
    return entry.first.file != key.file || entry.first.cls == key.cls;
  });
  count_ -= before - bucket.size();
  bucket.emplace_back(key, std::move(value));
  ++count_;
}

std::size_t DecisionCache::invalidate(std::uint64_t dev, std::uint64_t ino) {
  const std::lock_guard lock(mutex_);
  sequence_.fetch_add(1);
  const auto it = entries_.find(InodeKey{dev, ino});
  if (it == entries_.end()) return 0;
  const std::size_t dropped = it->second.size();
  count_ -= dropped;
  entries_.erase(it);
  return dropped;
}

void DecisionCache::clear() {
  const std::lock_guard lock(mutex_);
  sequence_.fetch_add(1);
  entries_.clear();
  count_ = 0;
}

std::size_t DecisionCache::size() const {
  const std::lock_guard lock(mutex_);
  return count_;
}

}  // namespace signet::gate
