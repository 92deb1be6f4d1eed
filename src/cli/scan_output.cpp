#include "cli/scan_output.hpp"

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "inventory/path_text.hpp"

namespace signet::cli {
namespace {

using inventory::escape_path;
using inventory::json_text;
using nlohmann::json;

std::string joined_roots(const std::vector<std::string>& roots) {
  std::string out;
  for (const auto& r : roots) out += (out.empty() ? "" : " ") + escape_path(r);
  return out;
}

std::string short_hash(const std::string& sha256) {
  return sha256.empty() ? std::string("?") : sha256.substr(0, 12);
}

std::string signature_text(const inventory::FileRecord& r) {
  const auto& s = r.signature;
  std::string out(inventory::signature_state_name(s.state));
  if (s.is_signed()) {
    if (!s.format.empty()) out += " " + s.format;
    if (!s.signer.empty()) out += " signer=\"" + s.signer + "\"";
    if (s.by_policy) out += s.trusted ? " [trusted]" : " [untrusted]";
    for (const auto& reason : s.reasons) out += " " + std::string(reason_name(reason.code));
  }
  return out;
}

}  // namespace

std::string human_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  std::ostringstream out;
  out << std::fixed << std::setprecision(unit == 0 ? 0 : 1) << value << ' ' << kUnits[unit];
  return out.str();
}

ProgressBar::ProgressBar(const inventory::ScanProgress& progress) : progress_(progress) {
  const auto started = std::chrono::steady_clock::now();
  thread_ = std::thread([this, started] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(200), [&] { return done_; })) {
      draw(started);
    }
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  });
}

ProgressBar::~ProgressBar() {
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ProgressBar::draw(std::chrono::steady_clock::time_point started) {
  const auto done = progress_.done.load();
  const auto hashed = progress_.hashed.load();
  const auto bytes = progress_.bytes.load();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string line = "\r";
  const auto expected = progress_.expected.load();
  if (expected > 0) {
    const double fraction =
        std::min(1.0, static_cast<double>(done) / static_cast<double>(expected));
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(fraction * kWidth);
    line += "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
    line += std::to_string(static_cast<int>(fraction * 100)) + "% ";
  }
  line += std::to_string(done) + " files, " + std::to_string(hashed) + " read (" +
          human_bytes(bytes) + ", " +
          human_bytes(seconds > 0 ? static_cast<std::uint64_t>(static_cast<double>(bytes) / seconds)
                                  : 0) +
          "/s)\033[K";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

void print_scan_summary(const inventory::ScanInfo& scan, const inventory::ScanSummary& s,
                        double seconds, bool json_out) {
  if (json_out) {
    json roots = json::array();
    for (const auto& r : scan.roots) roots.push_back(escape_path(r));
    json problems = json::array();
    for (const auto& p : s.problems) {
      problems.push_back({{"path", escape_path(p.path)}, {"problem", p.message}});
    }
    json out = {{"scan_id", scan.id},
                {"started_at", format_rfc3339(scan.started_at)},
                {"roots", roots},
                {"seconds", seconds},
                {"files", s.files},
                {"symlinks", s.symlinks},
                {"hashed", s.hashed},
                {"hard_links_shared", s.shared_reads},
                {"reused", s.reused},
                {"bytes_hashed", s.bytes_hashed},
                {"io", s.io_uring ? "io_uring" : "threads"},
                {"sha256_engine", crypto::sha256_engine_name(s.sha256_engine)},
                {"unreadable", s.unreadable},
                {"vanished", s.vanished},
                {"errors", s.errors},
                {"skipped",
                 {{"special", s.skipped_special},
                  {"mount_points", s.skipped_mounts},
                  {"excluded", s.excluded}}},
                {"kinds", s.by_kind},
                {"signatures", s.by_state},
                {"problems", problems},
                {"problems_truncated", s.problems.size() < s.unreadable + s.errors + s.vanished}};
    std::cout << json_text(out, 2) << '\n';
    return;
  }
  std::cout << "scan " << scan.id << " of " << joined_roots(scan.roots) << ": " << s.files
            << " files, " << s.symlinks << " symlinks in " << std::fixed << std::setprecision(1)
            << seconds << " s\n";
  std::cout << "  read " << s.hashed << " (" << human_bytes(s.bytes_hashed) << ", "
            << (s.io_uring ? "io_uring" : "threads") << ", SHA-256 by "
            << crypto::sha256_engine_name(s.sha256_engine);
  if (s.shared_reads > 0) std::cout << ", " << s.shared_reads << " hard links shared a read";
  std::cout << "), unchanged " << s.reused << '\n';
  std::cout << "  kinds:";
  for (const auto& [kind, n] : s.by_kind) std::cout << ' ' << kind << ' ' << n;
  std::cout << "\n  signatures:";
  for (const auto& [state, n] : s.by_state) std::cout << ' ' << state << ' ' << n;
  std::cout << '\n';
  if (s.skipped_special + s.skipped_mounts + s.excluded > 0) {
    std::cout << "  skipped: " << s.skipped_special << " special files, " << s.skipped_mounts
              << " mount points, " << s.excluded << " excluded\n";
  }
  if (s.unreadable + s.errors + s.vanished > 0) {
    std::cout << "  problems: " << s.unreadable << " unreadable, " << s.vanished << " vanished, "
              << s.errors << " not walked\n";
    std::size_t shown = 0;
    for (const auto& p : s.problems) {
      if (++shown > 10) {
        std::cout << "    ... (--json lists up to " << inventory::ScanSummary::kMaxProblems
                  << ")\n";
        break;
      }
      std::cout << "    " << escape_path(p.path) << ": " << p.message << '\n';
    }
  }
}

void print_records(const std::vector<inventory::StoredEntry>& entries, bool json_out) {
  for (const auto& e : entries) {
    const auto& r = e.record;
    if (json_out) {
      std::cout << json_text(inventory::record_json(r)) << '\n';
      continue;
    }
    if (r.type == inventory::EntryType::kSymlink) {
      std::cout << "symlink        " << escape_path(r.path) << " -> " << escape_path(r.link_target)
                << '\n';
      continue;
    }
    std::cout << std::left << std::setw(14) << inventory::kind_name(r.kind) << ' '
              << escape_path(r.path) << "  sha256:" << short_hash(r.sha256) << "  ";
    if (!r.error.empty()) {
      std::cout << "error: " << r.error << '\n';
    } else {
      std::cout << signature_text(r) << '\n';
    }
  }
}

void print_history(const std::vector<inventory::ScanInfo>& scans, bool json_out) {
  for (const auto& s : scans) {
    if (json_out) {
      json roots = json::array();
      for (const auto& r : s.roots) roots.push_back(escape_path(r));
      std::cout << json_text({{"scan_id", s.id},
                              {"started_at", format_rfc3339(s.started_at)},
                              {"finished_at", format_rfc3339(s.finished_at)},
                              {"host", s.host},
                              {"roots", roots},
                              {"excludes", s.excludes},
                              {"policy_sha256", s.policy_sha256},
                              {"files", s.files},
                              {"symlinks", s.symlinks},
                              {"hashed", s.hashed},
                              {"reused", s.reused},
                              {"bytes_hashed", s.bytes_hashed},
                              {"unreadable", s.unreadable},
                              {"errors", s.errors}})
                << '\n';
      continue;
    }
    std::cout << s.id << "  " << format_rfc3339(s.started_at) << "  " << joined_roots(s.roots)
              << "  " << s.files << " files, " << s.hashed << " read, " << s.reused << " unchanged"
              << (s.policy_sha256.empty() ? "" : ", judged by policy") << '\n';
  }
}

void print_changes(const std::vector<inventory::Change>& changes,
                   const inventory::ChangeOrigin& origin, bool json_out) {
  for (const auto& c : changes) {
    if (json_out) {
      std::cout << json_text(inventory::change_json(c, origin)) << '\n';
      continue;
    }
    std::cout << std::left << std::setw(16) << inventory::change_name(c.kind) << ' '
              << escape_path(c.path);
    const auto* b = c.before ? &*c.before : nullptr;
    const auto* a = c.after ? &*c.after : nullptr;
    switch (c.kind) {
      case inventory::ChangeKind::kContent:
        std::cout << "  sha256 " << short_hash(b->sha256) << " -> " << short_hash(a->sha256);
        break;
      case inventory::ChangeKind::kBecameUnsigned:
        std::cout << "  was " << signature_text(*b);
        break;
      case inventory::ChangeKind::kSignerChanged:
        std::cout << "  \"" << b->signature.signer << "\" -> \"" << a->signature.signer << "\"";
        break;
      case inventory::ChangeKind::kMetadata:
        std::cout << "  mode " << std::oct << b->mode << "->" << a->mode << std::dec << " uid "
                  << b->uid << "->" << a->uid << " mtime " << b->mtime_ns / 1'000'000'000 << "->"
                  << a->mtime_ns / 1'000'000'000;
        break;
      case inventory::ChangeKind::kNew:
        if (a->type == inventory::EntryType::kFile) std::cout << "  " << signature_text(*a);
        break;
      case inventory::ChangeKind::kRemoved:
        break;
    }
    std::cout << '\n';
  }
}

}  // namespace signet::cli
