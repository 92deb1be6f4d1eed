// signet scan PATH... [--db FILE] [--exclude GLOB]... [--policy P] [--json]   record an inventory
// signet scan [PATH...] --diff [--since SCAN_ID]                             what changed
// signet scan [PATH...] --against BASELINE.sig --policy P                    compare with a
// baseline signet scan --list [--scan ID] [PATH...]  |  signet scan --history        read the
// inventory
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/cli_support.hpp"
#include "cli/commands.hpp"
#include "cli/scan_output.hpp"
#include "cli/telemetry_support.hpp"
#include "core/file_io.hpp"
#include "formats/native_signature.hpp"
#include "inventory/baseline.hpp"
#include "inventory/path_text.hpp"
#include "inventory/tree_walker.hpp"
#include "policy/evaluate.hpp"
#include "telemetry/decision_json.hpp"

namespace signet::cli {
namespace {

constexpr int kExitInterrupted = 130;

struct ScanOptions {
  std::vector<std::string> paths;
  std::string db = std::string(inventory::kDefaultInventoryDb);
  std::vector<std::string> excludes;
  std::string policy, against;
  bool json = false, diff = false, list = false, history = false;
  bool cross_mounts = false, full = false, no_progress = false;
  std::optional<std::int64_t> since, scan_id;
  unsigned jobs = 0;
  std::string io = "auto";
  std::string hash_engine = "auto";
};

// SIGINT/SIGTERM: the scan stops and records nothing (a second signal ends the process at once;
// the database is consistent either way).
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_stop_signal(int signal) {
  if (g_stop.exchange(true)) {
    ::signal(signal, SIG_DFL);
    ::raise(signal);
  }
}

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

std::string current_dir() {
  std::error_code ec;
  auto cwd = std::filesystem::current_path(ec);
  return ec ? std::string("/") : cwd.string();
}

std::vector<std::string> normalized(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  const std::string cwd = current_dir();
  for (const auto& p : paths) out.push_back(inventory::normalize_root(p, cwd));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool under_any(const std::string& path, const std::vector<std::string>& roots) {
  return std::any_of(roots.begin(), roots.end(), [&](const std::string& root) {
    if (root == "/") return true;
    return path.compare(0, root.size(), root) == 0 &&
           (path.size() == root.size() || path[root.size()] == '/');
  });
}

struct Scanned {
  inventory::ScanInfo info;
  inventory::ScanSummary summary;
};

// Runs a scan and commits it. nullopt with `exit_code` set when it did not complete.
std::optional<Scanned> scan_paths(const ScanOptions& o, inventory::InventoryDb& db,
                                  const policy::Policy* policy, int& exit_code) {
  inventory::ScanOptions options;
  options.roots = normalized(o.paths);
  // A root that is not there is a mistake on the command line, not a tree whose files were all
  // removed: refuse before anything is recorded (a later --diff would report every file gone).
  for (const auto& root : options.roots) {
    struct stat st {};
    if (::lstat(root.c_str(), &st) != 0) {
      exit_code = report_error(
          {Errc::kIo, "cannot scan " + inventory::escape_path(root) + ": " + std::strerror(errno)});
      return std::nullopt;
    }
  }
  options.excludes = o.excludes;
  options.cross_mounts = o.cross_mounts;
  options.full = o.full;
  options.jobs = o.jobs;
  options.io = o.io == "threads" ? inventory::ReadEngine::kThreads
               : o.io == "uring" ? inventory::ReadEngine::kUring
                                 : inventory::ReadEngine::kAuto;
  options.openssl_sha256 = o.hash_engine == "openssl";
  options.policy = policy;
  options.now = clock_now();
  options.host = host_name();
  options.stop = &g_stop;
  const std::string policy_sha256 = policy != nullptr ? policy->source_sha256() : std::string();

  // Loaded on a second connection while the scan's own transaction is open (WAL: it reads the
  // last committed state).
  inventory::PreviousLoader load_previous =
      [path = db.path(), roots = options.roots, policy_sha256](
          unsigned shard, unsigned shards) -> Result<inventory::PreviousState> {
    auto reader = inventory::InventoryDb::open_existing(path);
    if (!reader) return std::unexpected(reader.error());
    return reader->previous_state(roots, policy_sha256, shard, shards);
  };
  inventory::ScanInfo info;
  info.started_at = options.now;
  info.host = options.host;
  info.roots = options.roots;
  info.excludes = options.excludes;
  info.cross_mounts = options.cross_mounts;
  info.policy_sha256 = policy_sha256;
  auto writer = db.begin_scan(info);
  if (!writer) {
    exit_code = report_error(writer.error());
    return std::nullopt;
  }
  info.id = writer->scan_id();

  install_stop_handlers();
  inventory::ScanProgress progress;
  const auto started = std::chrono::steady_clock::now();
  Result<inventory::ScanSummary> summary = fail(Errc::kInternal, "not run");
  {
    std::optional<ProgressBar> bar;
    if (!o.no_progress && ::isatty(STDOUT_FILENO) != 0 && ::isatty(STDERR_FILENO) != 0) {
      bar.emplace(progress);
    }
    summary = inventory::run_scan(options, std::move(load_previous), *writer, progress);
  }
  if (!summary) {
    exit_code = report_error(summary.error());
    return std::nullopt;
  }
  if (summary->interrupted) {
    std::cerr << "signet: scan interrupted: nothing recorded, the inventory is as it was\n";
    exit_code = kExitInterrupted;
    return std::nullopt;
  }
  info.finished_at = clock_now();
  if (auto committed = writer->commit(*summary, info.finished_at); !committed) {
    exit_code = report_error(committed.error());
    return std::nullopt;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!o.diff && o.against.empty()) print_scan_summary(info, *summary, seconds, o.json);
  return Scanned{std::move(info), std::move(*summary)};
}

// Differences are printed, each becomes an event, and the exit status says whether there were any.
int report_changes(const ScanOptions& o, const std::vector<inventory::Change>& changes,
                   const inventory::ChangeOrigin& origin, const policy::Policy* policy) {
  print_changes(changes, origin, o.json);
  if (policy != nullptr && !changes.empty()) {
    auto emitter = open_emitter(*policy);
    for (const auto& change : changes) {
      emitter->emit(inventory::change_event(change, origin, emitter->host(), clock_now()));
    }
    close_emitter(*emitter);
  }
  if (!o.json) {
    std::cerr << "signet: " << changes.size() << " difference(s)";
    if (origin.baseline) std::cerr << " from baseline " << *origin.baseline;
    if (origin.previous_scan_id) {
      std::cerr << " between scans " << *origin.previous_scan_id << " and " << *origin.scan_id;
    }
    std::cerr << '\n';
  }
  return changes.empty() ? kExitOk : kExitDenied;
}

int run_diff(const ScanOptions& o, inventory::InventoryDb& db, const policy::Policy* policy) {
  auto latest = db.latest_scan();
  if (!latest) return report_error(latest.error());
  if (!*latest) return report_error({Errc::kUsage, "the inventory holds no scan yet"});
  auto earlier = o.since ? db.scan(*o.since) : db.scan_before((*latest)->id);
  if (!earlier) return report_error(earlier.error());
  if (!*earlier) {
    return report_error({Errc::kUsage, o.since ? "no scan " + std::to_string(*o.since)
                                               : std::string("only one scan: nothing to compare")});
  }
  const auto& a = **earlier;
  const auto& b = **latest;
  const bool overlap = std::any_of(b.roots.begin(), b.roots.end(), [&](const std::string& r) {
    return under_any(r, a.roots) ||
           std::any_of(a.roots.begin(), a.roots.end(),
                       [&](const std::string& q) { return under_any(q, b.roots); });
  });
  if (!overlap) {
    std::cerr << "signet: note: scans " << a.id << " and " << b.id
              << " cover different paths: nothing to compare (use --since)\n";
  }
  auto pairs = db.differing(a.id, b.id);
  if (!pairs) return report_error(pairs.error());
  // Only what both scans looked at: a path outside either's roots is not "new" or "removed".
  std::vector<inventory::Change> changes;
  for (const auto& p : *pairs) {
    if (!under_any(p.path, a.roots) || !under_any(p.path, b.roots)) continue;
    for (auto& c : inventory::compare_entries(p.path, p.before, p.after)) {
      changes.push_back(std::move(c));
    }
  }
  return report_changes(o, changes, {b.id, a.id, std::nullopt}, policy);
}

// The baseline must verify under the policy as a trust bundle before anything is compared.
int run_against(const ScanOptions& o, inventory::InventoryDb& db, const policy::Policy& policy) {
  auto bytes = read_file_bytes(o.against);
  if (!bytes) return report_error(bytes.error());
  auto evidence = formats::parse_native_signature(*bytes);
  if (!evidence) return report_error(evidence.error());
  policy::EvaluationContext context;
  context.now = clock_now();
  context.host = host_name();
  context.artifact_class = std::string(inventory::kBaselineClass);
  context.installed = policy::InstalledState{};
  const policy::Decision decision = policy::evaluate(policy, *evidence, context);
  if (!decision.allowed()) {
    std::cerr << "signet: error: the baseline " << o.against << " is not trusted:\n";
    for (const auto& r : decision.reasons) {
      std::cerr << "  " << reason_name(r.code) << ": " << r.detail << '\n';
    }
    return kExitUsage;
  }
  auto latest = db.latest_scan();
  if (!latest) return report_error(latest.error());
  if (!*latest) return report_error({Errc::kUsage, "the inventory holds no scan yet"});
  auto entries = db.entries((*latest)->id);
  if (!entries) return report_error(entries.error());
  const auto changes = inventory::compare_with_baseline(
      *entries, inventory::baseline_entries(*evidence->statement), (*latest)->roots);
  return report_changes(o, changes, {(*latest)->id, std::nullopt, o.against}, &policy);
}

int run_list(const ScanOptions& o, inventory::InventoryDb& db) {
  auto scan = o.scan_id ? db.scan(*o.scan_id) : db.latest_scan();
  if (!scan) return report_error(scan.error());
  if (!*scan) return report_error({Errc::kUsage, "no such scan"});
  auto entries = db.entries((*scan)->id);
  if (!entries) return report_error(entries.error());
  if (!o.paths.empty()) {
    const auto roots = normalized(o.paths);
    std::erase_if(*entries, [&](const auto& e) { return !under_any(e.record.path, roots); });
  }
  print_records(*entries, o.json);
  return kExitOk;
}

int run_scan_command(const ScanOptions& o) {
  const int modes =
      (o.diff ? 1 : 0) + (!o.against.empty() ? 1 : 0) + (o.list ? 1 : 0) + (o.history ? 1 : 0);
  if (modes > 1) {
    return report_error(
        {Errc::kUsage, "--diff, --against, --list and --history exclude each other"});
  }
  if (modes == 0 && o.paths.empty()) {
    return report_error({Errc::kUsage, "name at least one PATH to scan"});
  }
  if (o.since && !o.diff) return report_error({Errc::kUsage, "--since goes with --diff"});
  if (o.scan_id && !o.list) return report_error({Errc::kUsage, "--scan goes with --list"});
  if (!o.against.empty() && o.policy.empty()) {
    return report_error({Errc::kUsage,
                         "--against needs --policy: the baseline is compared only once a trusted "
                         "publisher's signature on it verifies"});
  }
  std::optional<policy::Policy> policy;
  if (!o.policy.empty()) {
    auto loaded = policy::Policy::load(o.policy);
    if (!loaded) return report_error(loaded.error());
    policy.emplace(std::move(*loaded));
  }
  const policy::Policy* judge = policy ? &*policy : nullptr;

  const bool scanning = !o.paths.empty() && !o.list && !o.history;
  auto db =
      scanning ? inventory::InventoryDb::open(o.db) : inventory::InventoryDb::open_existing(o.db);
  if (!db) return report_error(db.error());
  if (o.history) {
    auto scans = db->scans();
    if (!scans) return report_error(scans.error());
    print_history(*scans, o.json);
    return kExitOk;
  }
  if (o.list) return run_list(o, *db);
  if (scanning) {
    int exit_code = kExitOk;
    if (!scan_paths(o, *db, judge, exit_code)) return exit_code;
  }
  if (o.diff) return run_diff(o, *db, judge);
  if (!o.against.empty()) return run_against(o, *db, *policy);
  return kExitOk;
}

}  // namespace

void add_scan_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ScanOptions>();
  auto* cmd = app.add_subcommand("scan", "Hash and signature inventory of files, and its changes");
  cmd->add_option("paths", o->paths, "Directories or files to scan (with --list: to show)");
  cmd->add_option("--db", o->db, "Inventory database")->capture_default_str();
  cmd->add_option("--exclude", o->excludes,
                  "Glob to leave out (with a '/': the whole path, else the name); repeatable");
  cmd->add_option("--policy", o->policy,
                  "Judge signatures by this policy, and send differences to its [telemetry]");
  cmd->add_flag("--json", o->json, "JSON output (differences and records: one object per line)");
  cmd->add_flag("--diff", o->diff,
                "Differences between the latest scan and the one before (after scanning PATHs)");
  cmd->add_option("--since", o->since, "With --diff: compare the latest scan with this scan id");
  cmd->add_option("--against", o->against,
                  "Compare the latest scan (after scanning PATHs) with a signed baseline");
  cmd->add_flag("--list", o->list, "List the records of the latest scan (or --scan ID)");
  cmd->add_option("--scan", o->scan_id, "With --list: this scan id");
  cmd->add_flag("--history", o->history, "List the scans");
  cmd->add_flag("--cross-mounts", o->cross_mounts, "Descend into other file systems");
  cmd->add_flag("--full", o->full, "Read every file, even those unchanged since the last scan");
  cmd->add_option("--jobs", o->jobs,
                  "Files read at once (default: io_uring 32 per core; threads: twice the cores, "
                  "16 to 64)");
  cmd->add_option("--io", o->io,
                  "How contents are read: auto (io_uring where the kernel allows it, else "
                  "threads), uring, threads")
      ->check(CLI::IsMember({"auto", "uring", "threads"}));
  cmd->add_option("--hash-engine", o->hash_engine,
                  "SHA-256 of the contents: auto (two files at once on SHA-NI where the CPU has "
                  "it and OpenSSL is not in FIPS mode, else OpenSSL), openssl")
      ->check(CLI::IsMember({"auto", "openssl"}));
  cmd->add_flag("--no-progress", o->no_progress, "No progress bar, even on a terminal");
  cmd->callback([o, &exit_code] { exit_code = run_scan_command(*o); });
}

}  // namespace signet::cli
