// Throughput of the hashing under every `signet verify`, `signet sign` and `signet scan`:
// crypto::StreamingDigest (in-memory updates of a given size) and crypto::digest_file (a file in
// the page cache, read in 1 MiB chunks), for SHA-256/384/512. Compare the bytes_per_second of
// BM_DigestFile with BM_StreamingDigest/1 MiB: the gap is the cost of read(2) and the file layer.
// crypto::Sha256Stream (the inventory's SHA-256) in 256 KiB chunks, the scanner's read per file in
// flight (ScanOptions::read_buffer_bytes / 4): one stream per engine, and two streams through
// update_pair, the bytes of both messages counted so that its rate compares with one stream's
// (BM_StreamingDigest/Sha256/262144 is plain OpenSSL EVP).
//
//   build-bench/bench/digest_bench [--benchmark_filter=Sha256]
//   build-bench/bench/digest_bench --benchmark_filter='/262144$'   (the 256 KiB cases side by side)
//   SIGNET_BENCH_FILE_MIB=256 build-bench/bench/digest_bench   (file size, default 64 MiB)
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "crypto/digest.hpp"
#include "crypto/sha256_lanes.hpp"

namespace {

using signet::crypto::DigestAlgorithm;
using signet::crypto::Sha256Engine;
using signet::crypto::Sha256Stream;

std::vector<std::uint8_t> random_bytes(std::size_t size, std::uint64_t seed = 42) {
  std::vector<std::uint8_t> out(size);
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < size; i += 8) {
    const std::uint64_t v = rng();
    for (std::size_t j = 0; j < 8 && i + j < size; ++j) {
      out[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
    }
  }
  return out;
}

// One scratch file for all file benchmarks, under $TMPDIR (or /tmp), removed at exit.
class ScratchFile {
 public:
  static const ScratchFile& get() {
    static const ScratchFile file;
    return file;
  }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  ~ScratchFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

 private:
  ScratchFile() {
    const char* mib = std::getenv("SIGNET_BENCH_FILE_MIB");
    size_ = static_cast<std::size_t>(mib != nullptr ? std::strtoul(mib, nullptr, 10) : 64) << 20;
    if (size_ == 0) size_ = std::size_t{64} << 20;
    const char* tmp = std::getenv("TMPDIR");
    path_ = std::filesystem::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") /
            ("signet-digest-bench-" + std::to_string(::getpid()) + ".bin");
    const auto chunk = random_bytes(std::size_t{1} << 20);
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    for (std::size_t written = 0; written < size_; written += chunk.size()) {
      out.write(reinterpret_cast<const char*>(chunk.data()),
                static_cast<std::streamsize>(std::min(chunk.size(), size_ - written)));
    }
    if (!out) std::abort();
  }
  std::filesystem::path path_;
  std::size_t size_ = 0;
};

void BM_StreamingDigest(benchmark::State& state, DigestAlgorithm alg) {
  const auto chunk = random_bytes(static_cast<std::size_t>(state.range(0)));
  auto digest = signet::crypto::StreamingDigest::create(alg);
  if (!digest) {
    state.SkipWithError(digest.error().describe().c_str());
    return;
  }
  for (auto _ : state) digest->update(chunk);
  benchmark::DoNotOptimize(digest->finish());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

// A whole message per iteration: create + one update + finish (per-object overhead included).
void BM_StreamingDigestMessage(benchmark::State& state, DigestAlgorithm alg) {
  const auto data = random_bytes(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto digest = signet::crypto::StreamingDigest::create(alg);
    digest->update(data);
    benchmark::DoNotOptimize(digest->finish());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_DigestFile(benchmark::State& state, DigestAlgorithm alg) {
  const auto& file = ScratchFile::get();
  (void)signet::crypto::digest_file(file.path(), alg);  // warm the page cache
  for (auto _ : state) {
    auto digest = signet::crypto::digest_file(file.path(), alg);
    if (!digest) {
      state.SkipWithError(digest.error().describe().c_str());
      return;
    }
    benchmark::DoNotOptimize(digest->data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(file.size()));
  state.counters["file_MiB"] = static_cast<double>(file.size() >> 20);
}

// A Sha256Stream on `engine`, or the reason it cannot be had (kShaNi on a CPU without it).
std::optional<Sha256Stream> lanes_stream(benchmark::State& state, Sha256Engine engine) {
  if (engine == Sha256Engine::kShaNi && !signet::crypto::sha256_shani_usable()) {
    state.SkipWithError("SHA-NI not usable here (CPU, FIPS mode or self-test)");
    return std::nullopt;
  }
  auto stream = Sha256Stream::create(engine);
  if (!stream) {
    state.SkipWithError(stream.error().describe().c_str());
    return std::nullopt;
  }
  return std::move(*stream);
}

// One message: one update of the chunk per iteration.
void BM_Sha256Stream(benchmark::State& state, Sha256Engine engine) {
  const auto chunk = random_bytes(static_cast<std::size_t>(state.range(0)));
  auto stream = lanes_stream(state, engine);
  if (!stream) return;
  for (auto _ : state) stream->update(chunk);
  benchmark::DoNotOptimize(stream->finish());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.SetLabel(std::string(signet::crypto::sha256_engine_name(engine)));
}

// Two messages (different bytes) in step: one update_pair of a chunk each per iteration. Bytes are
// those of both messages.
void BM_Sha256StreamPair(benchmark::State& state, Sha256Engine engine) {
  const auto chunk_a = random_bytes(static_cast<std::size_t>(state.range(0)), 42);
  const auto chunk_b = random_bytes(static_cast<std::size_t>(state.range(0)), 43);
  auto a = lanes_stream(state, engine);
  auto b = lanes_stream(state, engine);
  if (!a || !b) return;
  for (auto _ : state) Sha256Stream::update_pair(*a, chunk_a, *b, chunk_b);
  benchmark::DoNotOptimize(a->finish());
  benchmark::DoNotOptimize(b->finish());
  state.SetBytesProcessed(2 * static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.SetLabel(std::string(signet::crypto::sha256_engine_name(engine)) + ", 2 messages");
}

constexpr std::int64_t kKiB = 1024;

}  // namespace

BENCHMARK_CAPTURE(BM_StreamingDigest, Sha256, DigestAlgorithm::kSha256)
    ->Arg(64)
    ->Arg(4 * kKiB)
    ->Arg(64 * kKiB)
    ->Arg(256 * kKiB)
    ->Arg(1024 * kKiB);
BENCHMARK_CAPTURE(BM_StreamingDigest, Sha384, DigestAlgorithm::kSha384)
    ->Arg(4 * kKiB)
    ->Arg(1024 * kKiB);
BENCHMARK_CAPTURE(BM_StreamingDigest, Sha512, DigestAlgorithm::kSha512)
    ->Arg(4 * kKiB)
    ->Arg(1024 * kKiB);
BENCHMARK_CAPTURE(BM_StreamingDigestMessage, Sha256, DigestAlgorithm::kSha256)
    ->Arg(64)
    ->Arg(4 * kKiB);
BENCHMARK_CAPTURE(BM_Sha256Stream, openssl, Sha256Engine::kOpenssl)->Arg(256 * kKiB);
BENCHMARK_CAPTURE(BM_Sha256Stream, sha_ni, Sha256Engine::kShaNi)->Arg(256 * kKiB);
BENCHMARK_CAPTURE(BM_Sha256StreamPair, openssl, Sha256Engine::kOpenssl)->Arg(256 * kKiB);
BENCHMARK_CAPTURE(BM_Sha256StreamPair, sha_ni, Sha256Engine::kShaNi)->Arg(256 * kKiB);
BENCHMARK_CAPTURE(BM_DigestFile, Sha256, DigestAlgorithm::kSha256)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DigestFile, Sha384, DigestAlgorithm::kSha384)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DigestFile, Sha512, DigestAlgorithm::kSha512)->Unit(benchmark::kMillisecond);
