// Syslog over TLS (RFC 5425) with OpenSSL: TLS 1.2 or later, the server certificate verified
// against the configured CA and its name (or IP address) checked, an optional client certificate
// whose key may live in a PKCS#11 token.
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <ctime>
#include <optional>

#include "crypto/certificate.hpp"
#include "crypto/ossl.hpp"
#include "crypto/signing_key.hpp"
#include "telemetry/syslog_transport.hpp"

namespace signet::telemetry {
namespace {

using SslCtxPtr = std::unique_ptr<SSL_CTX, crypto::OsslDeleter<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, crypto::OsslDeleter<SSL_free>>;

// OpenSSL writes to the socket without MSG_NOSIGNAL: a receiver that reset the connection would
// raise SIGPIPE and end the process. While a guard lives, SIGPIPE is blocked in this thread and any
// that was raised is consumed, so the write fails with EPIPE instead.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeGuard() {
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) == 1) {
      const timespec zero{0, 0};
      sigtimedwait(&pipe_, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
};

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

class TlsTransport final : public Transport {
 public:
  TlsTransport(Endpoint endpoint, SslCtxPtr ctx, std::optional<crypto::SigningKey> key,
               std::string server_name)
      : endpoint_(std::move(endpoint)),
        ctx_(std::move(ctx)),
        key_(std::move(key)),
        server_name_(std::move(server_name)) {}
  ~TlsTransport() override { close(); }
  TlsTransport(const TlsTransport&) = delete;
  TlsTransport& operator=(const TlsTransport&) = delete;

  Result<void> connect() override {
    close();
    const SigpipeGuard guard;
    auto fd = connect_socket(endpoint_, false);
    if (!fd) return std::unexpected(fd.error());
    fd_ = *fd;
    ssl_.reset(SSL_new(ctx_.get()));
    if (!ssl_ || SSL_set_fd(ssl_.get(), fd_) != 1) return failed("cannot set up TLS");
    if (is_ip_literal(server_name_)) {
      if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_.get()), server_name_.c_str()) != 1) {
        return failed("bad server address");
      }
    } else {
      SSL_set_tlsext_host_name(ssl_.get(), server_name_.c_str());
      if (SSL_set1_host(ssl_.get(), server_name_.c_str()) != 1) return failed("bad server name");
    }
    if (SSL_connect(ssl_.get()) != 1) {
      const long verify = SSL_get_verify_result(ssl_.get());
      std::string why = verify != X509_V_OK ? std::string("server certificate rejected: ") +
                                                  X509_verify_cert_error_string(verify)
                                            : "TLS handshake failed";
      return failed(why);
    }
    return {};
  }
  bool connected() const noexcept override { return ssl_ != nullptr && !peer_closed(fd_); }
  Result<void> send(std::string_view bytes) override {
    if (!ssl_) return fail(Errc::kIo, describe() + ": not connected");
    const SigpipeGuard guard;
    std::size_t done = 0;
    while (done < bytes.size()) {
      std::size_t n = 0;
      if (SSL_write_ex(ssl_.get(), bytes.data() + done, bytes.size() - done, &n) != 1) {
        return failed("TLS write failed");
      }
      done += n;
    }
    return {};
  }
  void close() noexcept override {
    const SigpipeGuard guard;
    if (ssl_ && !peer_closed(fd_)) SSL_shutdown(ssl_.get());
    ssl_.reset();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    crypto::clear_ossl_errors();
  }
  bool datagram() const noexcept override { return false; }
  std::string describe() const override {
    return "syslog tls " + (endpoint_.host.find(':') != std::string::npos
                                ? "[" + endpoint_.host + "]:" + endpoint_.port
                                : endpoint_.host + ":" + endpoint_.port);
  }

 private:
  std::unexpected<Error> failed(const std::string& what) {
    std::string detail = crypto::take_ossl_errors();
    close();
    return fail(Errc::kIo, describe() + ": " + what + (detail.empty() ? "" : " (" + detail + ")"));
  }

  Endpoint endpoint_;
  SslCtxPtr ctx_;
  std::optional<crypto::SigningKey> key_;  // N.B. owns the client EVP_PKEY that ctx_ uses
  std::string server_name_;
  SslPtr ssl_;
  int fd_ = -1;
};

}  // namespace

Result<std::unique_ptr<Transport>> make_tls_transport(Endpoint endpoint,
                                                      const TlsOptions& options) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx)
    return fail(Errc::kCrypto, "cannot create a TLS context: " + crypto::take_ossl_errors());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx.get(), options.ca_file.c_str(), nullptr) != 1) {
    return fail(Errc::kIo, "cannot load the syslog CA " + options.ca_file.string() + ": " +
                               crypto::take_ossl_errors());
  }
  std::optional<crypto::SigningKey> key;
  if (!options.cert_file.empty()) {
    auto certs = crypto::Certificate::load_pem_file(options.cert_file);
    if (!certs) return std::unexpected(certs.error());
    std::vector<crypto::Certificate> chain(certs->begin() + 1, certs->end());
    auto loaded = crypto::SigningKey::load(options.key_ref, certs->front(), chain);
    if (!loaded) return std::unexpected(loaded.error());
    key.emplace(std::move(*loaded));
    if (SSL_CTX_use_certificate(ctx.get(), key->certificate().get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx.get(), key->pkey()) != 1 ||
        SSL_CTX_check_private_key(ctx.get()) != 1) {
      return fail(
          Errc::kKeyUnavailable,
          "syslog client certificate and key do not work together: " + crypto::take_ossl_errors());
    }
    for (const auto& c : key->chain()) SSL_CTX_add1_chain_cert(ctx.get(), c.get());
  }
  std::string name = options.server_name.empty() ? endpoint.host : options.server_name;
  return std::unique_ptr<Transport>(
      new TlsTransport(std::move(endpoint), std::move(ctx), std::move(key), std::move(name)));
}

}  // namespace signet::telemetry
