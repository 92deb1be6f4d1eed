#include "telemetry/syslog_writer.hpp"

namespace signet::telemetry {

std::string octet_counted(std::string_view message) {
  std::string out = std::to_string(message.size());
  out += ' ';
  out += message;
  return out;
}

Result<void> SyslogWriter::ensure_connected() {
  if (transport_->connected()) return {};
  return transport_->connect();
}

WriteResult SyslogWriter::write(std::span<const std::string> records) {
  if (auto up = ensure_connected(); !up) return {0, up.error()};
  if (transport_->datagram()) {
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (auto sent = transport_->send(records[i]); !sent) return {i, sent.error()};
    }
    return {records.size(), std::nullopt};
  }
  // Stream: frames are batched into chunks. A chunk that fails is not counted as written even if
  // part of it left the host: the spool then resends it (at-least-once, see docs/events.md).
  std::size_t written = 0;
  std::size_t in_chunk = 0;
  chunk_.clear();
  const auto flush = [&]() -> Result<void> {
    if (chunk_.empty()) return {};
    auto sent = transport_->send(chunk_);
    chunk_.clear();
    if (!sent) return sent;
    written += in_chunk;
    in_chunk = 0;
    return {};
  };
  for (const auto& record : records) {
    chunk_ += std::to_string(record.size());
    chunk_ += ' ';
    chunk_ += record;
    ++in_chunk;
    if (chunk_.size() >= kSendChunk) {
      if (auto sent = flush(); !sent) return {written, sent.error()};
    }
  }
  if (auto sent = flush(); !sent) return {written, sent.error()};
  return {records.size(), std::nullopt};
}

}  // namespace signet::telemetry
