// What the execution gate tells people and the SOC after it has answered the kernel: a bounded
// queue drained by one thread, so that neither the reader nor a worker ever waits on stderr, a
// journal or a telemetry sink (fapolicyd once deadlocked on exactly that). A full queue drops the
// report and counts it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "policy/decision.hpp"
#include "telemetry/event.hpp"

namespace signet::gate {

struct DecisionReport {
  std::shared_ptr<const policy::Decision> decision;
  telemetry::PointContext context;
  std::string path;
  bool cached = false;
};

class DecisionReporter {
 public:
  using Sink = std::function<void(const DecisionReport&)>;
  DecisionReporter(Sink sink, std::size_t capacity);
  ~DecisionReporter();  // delivers what is queued, then stops
  DecisionReporter(const DecisionReporter&) = delete;
  DecisionReporter& operator=(const DecisionReporter&) = delete;

  void report(DecisionReport report) noexcept;  // never blocks on the sink
  void flush();                                 // waits until the queue is empty (tests, shutdown)
  [[nodiscard]] std::uint64_t dropped() const;

 private:
  void run();
  Sink sink_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<DecisionReport> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::uint64_t dropped_ = 0;
  std::thread thread_;
};

}  // namespace signet::gate
