// SigningKey::load: resolves a key reference (pkcs11: URI or file:PATH) and its PIN/passphrase,
// and proves that the key belongs to the certificate before anything gets signed with it.
#include "crypto/signing_key.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/secret.hpp"
#include "crypto/pkcs11_key.hpp"

namespace signet::crypto {

struct SigningKey::State {
  std::unique_ptr<Pkcs11Key> token_key;  // set for pkcs11: keys (keeps the module loaded)
  EvpPkeyPtr file_key;                   // set for file: keys
  Certificate cert;
  std::vector<Certificate> chain;

  [[nodiscard]] EVP_PKEY* pkey() const noexcept {
    return token_key ? token_key->pkey() : file_key.get();
  }
};

namespace {

constexpr std::size_t kMaxPinFile = 4096;
constexpr std::size_t kMaxKeyFile = 1u << 20;

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         OPENSSL_strncasecmp(text.data(), prefix.data(), prefix.size()) == 0;
}

// Reads a small file holding a secret into a SecretBuffer, without stdio buffers or other
// copies that would outlive the call.
Result<SecretBuffer> read_secret_file(const std::string& path, std::size_t max_bytes,
                                      std::string_view what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(Errc::kKeyUnavailable,
                "cannot read " + std::string(what) + " " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<std::size_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return fail(Errc::kKeyUnavailable, std::string(what) + " " + path +
                                           " is not a regular file of at most " +
                                           std::to_string(max_bytes) + " bytes");
  }
  std::string data(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t used = 0;
  while (used < data.size()) {
    const ssize_t n = ::read(fd, data.data() + used, data.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  SecretBuffer out(std::string_view(data).substr(0, used));
  OPENSSL_cleanse(data.data(), data.size());
  return out;
}

// pin-source: a file path or a file: URI (file:/p, file:///p, file://localhost/p).
Result<SecretBuffer> read_pin_source(std::string_view source) {
  std::string_view path = source;
  if (starts_with_nocase(path, "file:")) {
    path.remove_prefix(5);
    if (path.starts_with("//")) {
      path.remove_prefix(2);
      if (path.starts_with("localhost/")) path.remove_prefix(9);
      if (!path.starts_with("/")) {
        return fail(Errc::kUsage, "pin-source file URI must name a local file (file:///path)");
      }
    }
  } else if (path.find(':') != std::string_view::npos && !path.starts_with("/") &&
             !path.starts_with(".")) {
    return fail(Errc::kUsage, "pin-source must be a file path or a file: URI");
  }
  if (path.empty()) return fail(Errc::kUsage, "pin-source names no file");
  auto content = read_secret_file(std::string(path), kMaxPinFile, "pin-source");
  if (!content) return std::unexpected(content.error());
  std::string_view line = content->view();
  line = line.substr(0, line.find('\n'));
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (line.empty()) {
    return fail(Errc::kKeyUnavailable, "pin-source " + std::string(path) + " holds no PIN");
  }
  return SecretBuffer(line);
}

Result<std::unique_ptr<Pkcs11Key>> open_token_key(std::string_view key_ref) {
  SecretBuffer pin;
  auto uri = parse_pkcs11_uri(key_ref, &pin);
  if (!uri) return std::unexpected(uri.error());
  if (!uri->has_pin_value) {
    if (uri->pin_source) {
      auto from_file = read_pin_source(*uri->pin_source);
      if (!from_file) return std::unexpected(from_file.error());
      pin = std::move(*from_file);
    } else if (const char* env = std::getenv("SIGNET_PKCS11_PIN"); env != nullptr) {
      pin = SecretBuffer(env);
    }
  }
  // An empty PIN is fine only for tokens without login; Pkcs11Key::open says
  // "no PIN: set pin-source in the URI or SIGNET_PKCS11_PIN" otherwise.
  return Pkcs11Key::open(*uri, pin);
}

struct PassphraseSource {
  const SecretBuffer* passphrase = nullptr;  // null: none configured
  bool asked = false;
};

int passphrase_callback(char* buf, int size, int /*rwflag*/, void* user) {
  auto* source = static_cast<PassphraseSource*>(user);
  source->asked = true;
  if (source->passphrase == nullptr || size <= 0) return -1;
  const std::string_view pass = source->passphrase->view();
  if (pass.size() > static_cast<std::size_t>(size)) return -1;
  std::memcpy(buf, pass.data(), pass.size());
  return static_cast<int>(pass.size());
}

Result<EvpPkeyPtr> load_file_key(std::string_view key_ref) {
  std::string_view path = key_ref.substr(5);
  if (path.starts_with("///")) path.remove_prefix(2);  // file:///abs/path
  if (path.empty()) return fail(Errc::kUsage, "file: key reference names no file");
  std::fprintf(stderr,
               "signet: warning: using a private key from a plain file (file:%.*s) — development "
               "only; use a pkcs11: key in production\n",
               static_cast<int>(path.size()), path.data());
  const std::string file(path);
  auto pem = read_secret_file(file, kMaxKeyFile, "key file");
  if (!pem) return std::unexpected(pem.error());

  std::optional<SecretBuffer> passphrase;
  if (const char* env = std::getenv("SIGNET_KEY_PASSPHRASE"); env != nullptr) {
    passphrase.emplace(env);
  }
  PassphraseSource source{passphrase ? &*passphrase : nullptr, false};
  ERR_clear_error();
  const BioPtr bio(BIO_new_mem_buf(pem->view().data(), static_cast<int>(pem->size())));
  EvpPkeyPtr key;
  if (bio) key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, passphrase_callback, &source));
  ERR_clear_error();
  if (key) return key;
  if (source.asked && !passphrase) {
    return fail(Errc::kKeyUnavailable,
                "key file " + file + " is encrypted: set SIGNET_KEY_PASSPHRASE");
  }
  if (source.asked) {
    return fail(Errc::kKeyUnavailable, "cannot decrypt key file " + file +
                                           " with SIGNET_KEY_PASSPHRASE (wrong passphrase?)");
  }
  return fail(Errc::kKeyUnavailable, "key file " + file + " holds no PEM private key");
}

// Signs 32 random bytes with `key` and verifies with the certificate's public key. This works for
// token keys too, whose EVP_PKEY may carry no comparable public part.
bool test_signature(EVP_PKEY* key, EVP_PKEY* pub) {
  std::array<unsigned char, 32> data{};
  if (RAND_bytes(data.data(), static_cast<int>(data.size())) != 1) return false;
  const int type = EVP_PKEY_get_base_id(pub);
  const EVP_MD* md = (type == EVP_PKEY_ED25519 || type == EVP_PKEY_ED448) ? nullptr : EVP_sha256();
  const EvpMdCtxPtr sign_ctx(EVP_MD_CTX_new());
  const EvpMdCtxPtr verify_ctx(EVP_MD_CTX_new());
  if (!sign_ctx || !verify_ctx) return false;
  EVP_PKEY_CTX* sign_pctx = nullptr;
  if (EVP_DigestSignInit(sign_ctx.get(), &sign_pctx, md, nullptr, key) != 1) return false;
  if (type == EVP_PKEY_RSA_PSS &&
      (EVP_PKEY_CTX_set_rsa_padding(sign_pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(sign_pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return false;
  }
  std::size_t sig_len = 0;
  if (EVP_DigestSign(sign_ctx.get(), nullptr, &sig_len, data.data(), data.size()) != 1) {
    return false;
  }
  std::vector<unsigned char> sig(sig_len);
  if (EVP_DigestSign(sign_ctx.get(), sig.data(), &sig_len, data.data(), data.size()) != 1) {
    return false;
  }
  if (EVP_DigestVerifyInit(verify_ctx.get(), nullptr, md, nullptr, pub) != 1) return false;
  return EVP_DigestVerify(verify_ctx.get(), sig.data(), sig_len, data.data(), data.size()) == 1;
}

Result<void> check_key_matches_cert(EVP_PKEY* key, const Certificate& cert, bool from_token) {
  EVP_PKEY* pub = cert.get() != nullptr ? X509_get0_pubkey(cert.get()) : nullptr;
  if (key == nullptr || pub == nullptr) {
    ERR_clear_error();
    return fail(Errc::kKeyUnavailable, "certificate " + (cert.get() ? cert.subject() : "(none)") +
                                           " has no usable public key");
  }
  // A file key carries its public part: compare. A token key may not: test a signature.
  const bool ok = from_token ? test_signature(key, pub) : EVP_PKEY_eq(pub, key) == 1;
  ERR_clear_error();
  if (!ok) {
    return fail(Errc::kKeyUnavailable, "key does not match certificate " + cert.subject());
  }
  return {};
}

}  // namespace

Result<SigningKey> SigningKey::load(std::string_view key_ref, Certificate cert,
                                    std::vector<Certificate> chain) {
  auto state = std::make_unique<State>(State{nullptr, nullptr, std::move(cert), std::move(chain)});
  if (starts_with_nocase(key_ref, "pkcs11:")) {
    auto token_key = open_token_key(key_ref);
    if (!token_key) return std::unexpected(token_key.error());
    state->token_key = std::move(*token_key);
  } else if (key_ref.starts_with("file:")) {
    auto file_key = load_file_key(key_ref);
    if (!file_key) return std::unexpected(file_key.error());
    state->file_key = std::move(*file_key);
  } else {
    return fail(Errc::kUsage, "key reference must start with pkcs11: or file:");
  }
  if (auto matched =
          check_key_matches_cert(state->pkey(), state->cert, state->token_key != nullptr);
      !matched) {
    return std::unexpected(matched.error());
  }
  return SigningKey(std::move(state));
}

SigningKey::SigningKey(std::unique_ptr<State> state) : state_(std::move(state)) {}
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;
SigningKey::~SigningKey() = default;

EVP_PKEY* SigningKey::pkey() const noexcept { return state_ ? state_->pkey() : nullptr; }
const Certificate& SigningKey::certificate() const noexcept { return state_->cert; }
const std::vector<Certificate>& SigningKey::chain() const noexcept { return state_->chain; }
bool SigningKey::from_token() const noexcept { return state_ && state_->token_key != nullptr; }

}  // namespace signet::crypto
