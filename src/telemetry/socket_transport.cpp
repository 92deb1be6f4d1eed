// UDP and TCP syslog transports over BSD sockets.
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "telemetry/syslog_transport.hpp"

namespace signet::telemetry {
namespace {

std::string name_of(const Endpoint& e) {
  return e.host.find(':') != std::string::npos ? "[" + e.host + "]:" + e.port
                                               : e.host + ":" + e.port;
}

Result<void> connect_with_timeout(int fd, const sockaddr* addr, socklen_t len) {
  const int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  int rc = ::connect(fd, addr, len);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    rc = ::poll(&p, 1, static_cast<int>(kConnectTimeout.count()));
    if (rc == 0) return fail(Errc::kIo, "connect timed out");
    int err = 0;
    socklen_t err_len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len);
    if (err != 0) return fail(Errc::kIo, errno_text(err));
  } else if (rc != 0) {
    return fail(Errc::kIo, errno_text(errno));
  }
  ::fcntl(fd, F_SETFL, flags);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(kIoTimeout.count() / 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return {};
}

class SocketTransport final : public Transport {
 public:
  SocketTransport(Endpoint endpoint, bool datagram)
      : endpoint_(std::move(endpoint)), datagram_(datagram) {}
  ~SocketTransport() override { close(); }
  SocketTransport(const SocketTransport&) = delete;
  SocketTransport& operator=(const SocketTransport&) = delete;

  Result<void> connect() override {
    close();
    auto fd = connect_socket(endpoint_, datagram_);
    if (!fd) return std::unexpected(fd.error());
    fd_ = *fd;
    return {};
  }
  bool connected() const noexcept override { return fd_ >= 0 && (datagram_ || !peer_closed(fd_)); }
  Result<void> send(std::string_view bytes) override {
    if (fd_ < 0) return fail(Errc::kIo, describe() + ": not connected");
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        close();
        return fail(Errc::kIo, describe() + ": " + errno_text(err));
      }
      if (datagram_) break;  // a datagram goes whole or not at all
      done += static_cast<std::size_t>(n);
    }
    return {};
  }
  void close() noexcept override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool datagram() const noexcept override { return datagram_; }
  std::string describe() const override {
    return std::string("syslog ") + (datagram_ ? "udp " : "tcp ") + name_of(endpoint_);
  }

 private:
  Endpoint endpoint_;
  bool datagram_;
  int fd_ = -1;
};

}  // namespace

Result<Endpoint> parse_endpoint(std::string_view address) {
  Endpoint e;
  if (!address.empty() && address.front() == '[') {
    const auto close = address.find("]:");
    if (close == std::string_view::npos)
      return fail(Errc::kUsage, "bad address " + std::string(address));
    e.host = std::string(address.substr(1, close - 1));
    e.port = std::string(address.substr(close + 2));
  } else {
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos)
      return fail(Errc::kUsage, "bad address " + std::string(address));
    e.host = std::string(address.substr(0, colon));
    e.port = std::string(address.substr(colon + 1));
  }
  if (e.host.empty() || e.port.empty())
    return fail(Errc::kUsage, "bad address " + std::string(address));
  return e;
}

Result<int> connect_socket(const Endpoint& endpoint, bool datagram) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = datagram ? SOCK_DGRAM : SOCK_STREAM;
  addrinfo* list = nullptr;
  if (const int rc = ::getaddrinfo(endpoint.host.c_str(), endpoint.port.c_str(), &hints, &list);
      rc != 0) {
    return fail(Errc::kIo, "cannot resolve " + name_of(endpoint) + ": " + ::gai_strerror(rc));
  }
  std::string last_error = "no address";
  int result = -1;
  for (const addrinfo* ai = list; ai != nullptr && result < 0; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_error = errno_text(errno);
      continue;
    }
    if (auto connected = connect_with_timeout(fd, ai->ai_addr, ai->ai_addrlen); !connected) {
      last_error = connected.error().message;
      ::close(fd);
      continue;
    }
    result = fd;
  }
  ::freeaddrinfo(list);
  if (result < 0)
    return fail(Errc::kIo, "cannot connect to " + name_of(endpoint) + ": " + last_error);
  return result;
}

bool peer_closed(int fd) noexcept {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  if ((p.revents & (POLLHUP | POLLERR)) != 0) return true;
  char byte = 0;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

std::unique_ptr<Transport> make_udp_transport(Endpoint endpoint) {
  return std::make_unique<SocketTransport>(std::move(endpoint), true);
}

std::unique_ptr<Transport> make_tcp_transport(Endpoint endpoint) {
  return std::make_unique<SocketTransport>(std::move(endpoint), false);
}

}  // namespace signet::telemetry
