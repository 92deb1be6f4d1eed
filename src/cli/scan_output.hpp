// What `signet scan` prints: the progress bar (only when stdout is a terminal), the summary, the
// record listing, the scan history and the differences — human lines or JSON.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "inventory/change_event.hpp"
#include "inventory/inventory_db.hpp"
#include "inventory/scanner.hpp"

namespace signet::cli {

// Redraws one line on stderr every 200 ms while it lives; clears it at the end.
class ProgressBar {
 public:
  explicit ProgressBar(const inventory::ScanProgress& progress);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

 private:
  void draw(std::chrono::steady_clock::time_point started);
  const inventory::ScanProgress& progress_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

// "1.2 GiB"
[[nodiscard]] std::string human_bytes(std::uint64_t bytes);

void print_scan_summary(const inventory::ScanInfo& scan, const inventory::ScanSummary& summary,
                        double seconds, bool json);
void print_records(const std::vector<inventory::StoredEntry>& entries, bool json);
void print_history(const std::vector<inventory::ScanInfo>& scans, bool json);
// Human: "content  /usr/bin/x  (sha256 a -> b)"; JSON: one object per line.
void print_changes(const std::vector<inventory::Change>& changes,
                   const inventory::ChangeOrigin& origin, bool json);

}  // namespace signet::cli
