#include "validate/syslog_receiver.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

namespace signet::validate {
namespace {

constexpr std::size_t kMaxMessage = 64 * 1024;
constexpr std::size_t kMaxConnections = 64;
constexpr std::size_t kMaxMessages = 200000;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

struct Connection {
  Fd fd;
  std::string buffer;
};

Result<sockaddr_storage> parse_address(const std::string& address, socklen_t& length) {
  sockaddr_storage storage{};
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) return fail(Errc::kUsage, "no port in " + address);
  std::string host = address.substr(0, colon);
  const int port = std::atoi(address.c_str() + colon + 1);
  if (port <= 0 || port > 65535) return fail(Errc::kUsage, "bad port in " + address);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &in6->sin6_addr) != 1) {
      return fail(Errc::kUsage, "bad address " + address);
    }
    length = sizeof(sockaddr_in6);
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&storage);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &in4->sin_addr) != 1) {
      return fail(Errc::kUsage, "bad address " + address);
    }
    length = sizeof(sockaddr_in);
  }
  return storage;
}

Result<Fd> bound_socket(const std::string& address, int type) {
  socklen_t length = 0;
  auto addr = parse_address(address, length);
  if (!addr) return std::unexpected(addr.error());
  Fd fd(::socket(addr->ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return fail(Errc::kIo, std::string("socket: ") + std::strerror(errno));
  // TCP: rebinding right after an earlier run (TIME_WAIT) is fine. UDP: never, two receivers on
  // one port would split the datagrams between them.
  const int one = 1;
  if (type == SOCK_STREAM) ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), length) != 0) {
    return fail(Errc::kIo, "the SOC receiver cannot listen on " + address + " (" +
                               (type == SOCK_STREAM ? "tcp" : "udp") +
                               "): " + std::strerror(errno));
  }
  if (type == SOCK_STREAM && ::listen(fd.get(), 64) != 0) {
    return fail(Errc::kIo, std::string("listen: ") + std::strerror(errno));
  }
  return fd;
}

}  // namespace

struct SyslogReceiver::State {
  Fd udp;
  Fd tcp;
  Fd wake_read;
  Fd wake_write;
  std::ofstream log;
  mutable std::mutex mutex;
  std::vector<ReceivedMessage> messages;
  std::size_t dropped = 0;
  std::thread thread;

  void add(std::string transport, std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == '\0')) {
      text.pop_back();
    }
    if (text.empty()) return;
    std::lock_guard lock(mutex);
    if (messages.size() >= kMaxMessages) {
      ++dropped;
      return;
    }
    std::string line = text;
    for (std::size_t pos = 0; (pos = line.find('\n', pos)) != std::string::npos;) {
      line.replace(pos, 1, "\\n");
    }
    log << transport << '\t' << line << '\n';
    log.flush();
    messages.push_back({std::move(transport), std::move(text)});
  }

  // Takes complete frames off a TCP buffer; false when the peer broke the framing.
  bool take_frames(std::string& buffer) {
    for (;;) {
      if (buffer.empty()) return true;
      if (buffer.front() >= '0' && buffer.front() <= '9') {  // octet counting: "LEN SP MSG"
        const auto space = buffer.find(' ');
        if (space == std::string::npos) return buffer.size() <= 7;
        if (space > 6) return false;
        std::size_t length = 0;
        for (std::size_t i = 0; i < space; ++i) {
          if (buffer[i] < '0' || buffer[i] > '9') return false;
          length = length * 10 + static_cast<std::size_t>(buffer[i] - '0');
        }
        if (length > kMaxMessage) return false;
        if (buffer.size() < space + 1 + length) return true;
        add("tcp", buffer.substr(space + 1, length));
        buffer.erase(0, space + 1 + length);
      } else {  // non-transparent framing: LF-terminated
        const auto lf = buffer.find('\n');
        if (lf == std::string::npos) {
          if (buffer.size() > kMaxMessage) {
            add("tcp", buffer.substr(0, kMaxMessage));
            buffer.clear();
          }
          return true;
        }
        add("tcp", buffer.substr(0, lf));
        buffer.erase(0, lf + 1);
      }
    }
  }

  void run() {
    std::vector<Connection> connections;
    std::vector<char> chunk(kMaxMessage + 1);
    for (;;) {
      std::vector<pollfd> fds = {
          {wake_read.get(), POLLIN, 0}, {udp.get(), POLLIN, 0}, {tcp.get(), POLLIN, 0}};
      for (const auto& c : connections) fds.push_back({c.fd.get(), POLLIN, 0});
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (fds[0].revents != 0) return;
      if ((fds[1].revents & POLLIN) != 0) {
        for (;;) {
          const ssize_t n = ::recv(udp.get(), chunk.data(), chunk.size(), 0);
          if (n <= 0) break;
          add("udp", std::string(chunk.data(), std::min<std::size_t>(n, kMaxMessage)));
        }
      }
      if ((fds[2].revents & POLLIN) != 0) {
        for (;;) {
          Fd client(::accept4(tcp.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
          if (client.get() < 0) break;
          if (connections.size() < kMaxConnections) connections.push_back({std::move(client), {}});
        }
      }
      // Connections whose fds were polled: the first (fds.size() - 3) of `connections`.
      const std::size_t polled = fds.size() - 3;
      std::vector<bool> closed(connections.size(), false);
      for (std::size_t i = 0; i < polled; ++i) {
        if (fds[3 + i].revents == 0) continue;
        auto& c = connections[i];
        for (;;) {
          const ssize_t n = ::recv(c.fd.get(), chunk.data(), chunk.size(), 0);
          if (n > 0) {
            c.buffer.append(chunk.data(), static_cast<std::size_t>(n));
            if (!take_frames(c.buffer)) {
              closed[i] = true;
              break;
            }
            continue;
          }
          if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            if (!c.buffer.empty() && c.buffer.front() == '<') add("tcp", c.buffer);
            closed[i] = true;
          }
          break;
        }
      }
      std::vector<Connection> open;
      for (std::size_t i = 0; i < connections.size(); ++i) {
        if (!closed[i]) open.push_back(std::move(connections[i]));
      }
      connections = std::move(open);
    }
  }
};

Result<std::unique_ptr<SyslogReceiver>> SyslogReceiver::start(
    const std::string& address, const std::filesystem::path& log_file) {
  auto state = std::make_unique<State>();
  auto udp = bound_socket(address, SOCK_DGRAM);
  if (!udp) return std::unexpected(udp.error());
  auto tcp = bound_socket(address, SOCK_STREAM);
  if (!tcp) return std::unexpected(tcp.error());
  state->udp = std::move(*udp);
  state->tcp = std::move(*tcp);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return fail(Errc::kIo, std::string("pipe: ") + std::strerror(errno));
  }
  state->wake_read = Fd(pipe_fds[0]);
  state->wake_write = Fd(pipe_fds[1]);
  state->log.open(log_file, std::ios::out | std::ios::trunc);
  if (!state->log) return fail(Errc::kIo, "cannot write " + log_file.string());
  State* raw = state.get();
  state->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<SyslogReceiver>(new SyslogReceiver(std::move(state)));
}

SyslogReceiver::SyslogReceiver(std::unique_ptr<State> state) : state_(std::move(state)) {}

SyslogReceiver::~SyslogReceiver() { stop(); }

void SyslogReceiver::stop() {
  if (!state_ || !state_->thread.joinable()) return;
  const char byte = 1;
  while (::write(state_->wake_write.get(), &byte, 1) < 0 && errno == EINTR) {
  }
  state_->thread.join();
  state_->udp.reset();
  state_->tcp.reset();
}

std::vector<ReceivedMessage> SyslogReceiver::messages(std::size_t from) const {
  std::lock_guard lock(state_->mutex);
  if (from >= state_->messages.size()) return {};
  return {state_->messages.begin() + static_cast<std::ptrdiff_t>(from), state_->messages.end()};
}

std::size_t SyslogReceiver::count() const {
  std::lock_guard lock(state_->mutex);
  return state_->messages.size();
}

std::size_t SyslogReceiver::dropped() const {
  std::lock_guard lock(state_->mutex);
  return state_->dropped;
}

}  // namespace signet::validate
