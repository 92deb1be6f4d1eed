// The SOC receiver of signet validate: RFC 5426 UDP, RFC 6587 TCP (octet counting and LF framing),
// bounded frames, evidence log.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "validate/syslog_receiver.hpp"

namespace signet::validate {
namespace {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t length = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  ::close(fd);
  return ntohs(addr.sin_port);
}

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

bool wait_for(const SyslogReceiver& receiver, std::size_t count) {
  for (int i = 0; i < 200; ++i) {
    if (receiver.count() >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

class ReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("signet-receiver-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    port_ = free_port();
    auto started = SyslogReceiver::start("127.0.0.1:" + std::to_string(port_), dir_ / "log");
    ASSERT_TRUE(started) << started.error().message;
    receiver_ = std::move(*started);
  }
  void TearDown() override {
    receiver_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  int port_ = 0;
  std::unique_ptr<SyslogReceiver> receiver_;
};

TEST_F(ReceiverTest, UdpDatagramsAreMessages) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const auto addr = loopback(port_);
  const std::string message = "<35>1 2026-11-28T00:00:00Z host signet 1 decision - hello";
  ASSERT_EQ(::sendto(fd, message.data(), message.size(), 0,
                     reinterpret_cast<const sockaddr*>(&addr), sizeof addr),
            static_cast<ssize_t>(message.size()));
  ::close(fd);
  ASSERT_TRUE(wait_for(*receiver_, 1));
  const auto got = receiver_->messages();
  EXPECT_EQ(got[0].transport, "udp");
  EXPECT_EQ(got[0].text, message);
}

TEST_F(ReceiverTest, TcpOctetCountingAndLineFramingAcrossWrites) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const auto addr = loopback(port_);
  ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  const std::string first = "<34>1 - h a - - - one\nline";  // a line break inside the frame
  const std::string framed = std::to_string(first.size()) + " " + first;
  // Split in the middle of the length and of the message.
  ASSERT_EQ(::send(fd, framed.data(), 1, 0), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_GT(::send(fd, framed.data() + 1, 10, 0), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const std::string rest = framed.substr(11) + "<35>1 - h a - - - two\n<36>1 - h a - - - three";
  ASSERT_EQ(::send(fd, rest.data(), rest.size(), 0), static_cast<ssize_t>(rest.size()));
  ::close(fd);  // the unterminated last line is a message when the peer closes
  ASSERT_TRUE(wait_for(*receiver_, 3));
  const auto got = receiver_->messages();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].text, first);
  EXPECT_EQ(got[1].text, "<35>1 - h a - - - two");
  EXPECT_EQ(got[2].text, "<36>1 - h a - - - three");
  EXPECT_EQ(receiver_->messages(2).size(), 1u);
  receiver_->stop();
  std::ifstream log(dir_ / "log");
  std::string line;
  std::getline(log, line);
  EXPECT_EQ(line, "tcp\t<34>1 - h a - - - one\\nline");  // one message per line
}

TEST_F(ReceiverTest, AnOversizedFrameDropsTheConnectionNotTheReceiver) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const auto addr = loopback(port_);
  ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  const std::string huge = "99999999 x";
  (void)::send(fd, huge.data(), huge.size(), 0);
  ::close(fd);
  const int again = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(::connect(again, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  const std::string ok = "5 <1>ok";
  ASSERT_EQ(::send(again, ok.data(), ok.size(), 0), static_cast<ssize_t>(ok.size()));
  ::close(again);
  ASSERT_TRUE(wait_for(*receiver_, 1));
  EXPECT_EQ(receiver_->messages().back().text, "<1>ok");
}

TEST(Receiver, APortInUseIsAClearError) {
  const int port = free_port();
  auto first = SyslogReceiver::start("127.0.0.1:" + std::to_string(port), "/dev/null");
  ASSERT_TRUE(first);
  auto second = SyslogReceiver::start("127.0.0.1:" + std::to_string(port), "/dev/null");
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("cannot listen"), std::string::npos);
}

}  // namespace
}  // namespace signet::validate
