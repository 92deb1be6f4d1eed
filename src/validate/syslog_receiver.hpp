// The SOC receiver of a validation run: a small RFC 5424 syslog server that `signet validate`
// starts on a loopback address for the duration of the run, so that "escalated" means an event
// really crossed a socket to a receiver, as it would to a SIEM. UDP (RFC 5426: one message per
// datagram) and TCP (RFC 6587: octet counting "LEN SP MSG", or LF-terminated frames) on the same
// port. Bounded: messages over 64 KiB are cut, at most 64 connections, at most 200,000 messages
// kept. One thread; stop() (or the destructor) ends it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace signet::validate {

struct ReceivedMessage {
  std::string transport;  // "udp" | "tcp"
  std::string text;       // the syslog message as received (PRI, header, SD, MSG)
};

class SyslogReceiver {
 public:
  // address: "127.0.0.1:PORT" or "[::1]:PORT" (the plan parser checked it is loopback). Binds
  // both sockets before returning, so senders started afterwards cannot miss it. Every message is
  // also appended to `log_file` (one per line, line breaks escaped) as evidence.
  [[nodiscard]] static Result<std::unique_ptr<SyslogReceiver>> start(
      const std::string& address, const std::filesystem::path& log_file);
  ~SyslogReceiver();
  SyslogReceiver(const SyslogReceiver&) = delete;
  SyslogReceiver& operator=(const SyslogReceiver&) = delete;

  // Messages received so far, from index `from` on.
  [[nodiscard]] std::vector<ReceivedMessage> messages(std::size_t from = 0) const;
  [[nodiscard]] std::size_t count() const;
  [[nodiscard]] std::size_t dropped() const;
  void stop();

  struct State;  // sockets, thread, messages; defined in syslog_receiver.cpp

 private:
  explicit SyslogReceiver(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace signet::validate
