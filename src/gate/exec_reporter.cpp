#include "gate/exec_reporter.hpp"

#include <utility>

namespace signet::gate {

DecisionReporter::DecisionReporter(Sink sink, std::size_t capacity)
    : sink_(std::move(sink)), capacity_(capacity), thread_([this] { run(); }) {}

DecisionReporter::~DecisionReporter() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void DecisionReporter::report(DecisionReport report) noexcept {
  try {
    const std::lock_guard lock(mutex_);
    if (queue_.size() >= capacity_) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(report));
  } catch (...) {  // allocation failure: a report is not worth a crash
    return;
  }
  wake_.notify_one();
}

void DecisionReporter::flush() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

std::uint64_t DecisionReporter::dropped() const {
  const std::lock_guard lock(mutex_);
  return dropped_;
}

void DecisionReporter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_) return;
    DecisionReport next = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    try {
      sink_(next);
    } catch (...) {  // a failing sink must not take the reporter down
    }
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace signet::gate
