// The syslog socket behind a small interface (STYLE.md "a thin seam around every OS interface"):
// UDP (RFC 5426), TCP (RFC 6587) and TLS (RFC 5425). SyslogWriter frames records and talks to a
// Transport; unit tests give it a fake.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "policy/telemetry_spec.hpp"

namespace signet::telemetry {

class Transport {
 public:
  virtual ~Transport() = default;
  [[nodiscard]] virtual Result<void> connect() = 0;
  [[nodiscard]] virtual bool connected() const noexcept = 0;
  // Sends all bytes (one datagram for UDP) or fails; a failure leaves the transport closed.
  [[nodiscard]] virtual Result<void> send(std::string_view bytes) = 0;
  virtual void close() noexcept = 0;
  // Datagram transports carry one message per datagram; stream transports need octet counting.
  [[nodiscard]] virtual bool datagram() const noexcept = 0;
  [[nodiscard]] virtual std::string describe() const = 0;
};

struct Endpoint {
  std::string host;
  std::string port;
};
// "127.0.0.1:6514", "[::1]:6514", "siem.plant:6514"
[[nodiscard]] Result<Endpoint> parse_endpoint(std::string_view address);

struct TlsOptions {
  std::filesystem::path ca_file;    // the server certificate must chain to it
  std::filesystem::path cert_file;  // client certificate (PEM, chain after the leaf); optional
  std::string key_ref;              // client key: pkcs11: URI or file:PATH
  std::string server_name;          // checked in the server certificate; default: the host
};

// Connect and I/O timeouts keep a dead receiver from holding the writer thread for long.
inline constexpr std::chrono::milliseconds kConnectTimeout{2000};
inline constexpr std::chrono::milliseconds kIoTimeout{5000};

[[nodiscard]] std::unique_ptr<Transport> make_udp_transport(Endpoint endpoint);
[[nodiscard]] std::unique_ptr<Transport> make_tcp_transport(Endpoint endpoint);
// Loads the CA and the client key once; each connect() then does a fresh TLS handshake.
[[nodiscard]] Result<std::unique_ptr<Transport>> make_tls_transport(Endpoint endpoint,
                                                                    const TlsOptions& options);

// Connected socket (TCP or UDP) with the timeouts above; the descriptor is the caller's. Used by
// the TCP and TLS transports.
[[nodiscard]] Result<int> connect_socket(const Endpoint& endpoint, bool datagram);
// True when a connected stream socket has been closed by its peer (a read would return 0).
[[nodiscard]] bool peer_closed(int fd) noexcept;

}  // namespace signet::telemetry
