// Sends rendered RFC 5424 messages over a Transport: one datagram per message over UDP (RFC 5426),
// octet-counted frames "LEN SP MSG" over TCP and TLS (RFC 6587 section 3.4.1, RFC 5425).
#pragma once

#include <memory>

#include "telemetry/record_writer.hpp"
#include "telemetry/syslog_transport.hpp"

namespace signet::telemetry {

// Frames go out in writes of up to this many bytes (many small events per send).
inline constexpr std::size_t kSendChunk = 64 * 1024;

[[nodiscard]] std::string octet_counted(std::string_view message);

class SyslogWriter final : public RecordWriter {
 public:
  explicit SyslogWriter(std::unique_ptr<Transport> transport) : transport_(std::move(transport)) {}
  [[nodiscard]] WriteResult write(std::span<const std::string> records) override;
  [[nodiscard]] std::string describe() const override { return transport_->describe(); }

 private:
  [[nodiscard]] Result<void> ensure_connected();
  std::unique_ptr<Transport> transport_;
  std::string chunk_;
};

}  // namespace signet::telemetry
