// PKCS#11 private keys through libp11's PKCS11_* API.
//
// N.B. libp11 0.4.12 quirks this file is built around (each one reproduced with SoftHSM2):
//  - A PKCS#11 module is process-global: two PKCS11_CTXs on the same module share its state. When
//    one is unloaded (C_Finalize) or releases its slots (C_CloseAllSessions), every key of the
//    other fails with "Cryptoki not initialized" / "Session handle invalid". So all keys from one
//    module share one context and one slot list (a refcounted Module below); the last key to go
//    releases the slots, unloads and frees the context, in that order, after its EVP_PKEY.
//  - PKCS11_login on a slot that is already logged in returns success without asking the token,
//    whatever the PIN. So the PIN that the token accepted is kept (zeroizing) per slot, and a later
//    open of a key on that slot must present the same PIN (compared in constant time).
//  - The EVP_PKEY from PKCS11_get_private_key points into the slot's key cache: it must be freed
//    before the slots are released.
#include "crypto/pkcs11_key.hpp"

#include <libp11.h>
#include <openssl/err.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace signet::crypto {
namespace {

constexpr const char* kDefaultModule = "/usr/lib/softhsm/libsofthsm2.so";

// libp11 reports through OpenSSL's error queue.
std::string drain_errors() {
  std::string errors = take_ossl_errors();
  return errors.empty() ? "no details from libp11" : errors;
}

// One loaded PKCS#11 module, shared by every key that comes from it (see the N.B. above).
struct Module {
  std::string path;
  PKCS11_CTX* ctx = nullptr;
  bool loaded = false;
  PKCS11_SLOT* slots = nullptr;
  unsigned int nslots = 0;
  std::mutex mutex;                                     // guards libp11 calls and accepted_pins
  std::map<unsigned long, SecretBuffer> accepted_pins;  // slot id -> PIN the token accepted

  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  ~Module() {
    if (slots != nullptr) PKCS11_release_all_slots(ctx, slots, nslots);
    if (loaded) PKCS11_CTX_unload(ctx);
    if (ctx != nullptr) PKCS11_CTX_free(ctx);
    ERR_clear_error();
  }
};

Result<std::string> resolve_module_path(const Pkcs11Uri& uri) {
  std::string path;
  std::string origin;
  if (uri.module_path) {
    path = *uri.module_path;
    origin = "module-path in the pkcs11 URI";
  } else if (uri.module_name) {
    for (const char* dir : {"/usr/lib/x86_64-linux-gnu/pkcs11", "/usr/lib/pkcs11",
                            "/usr/lib/x86_64-linux-gnu", "/usr/lib/softhsm", "/usr/lib"}) {
      for (const std::string& file :
           {*uri.module_name, *uri.module_name + ".so", "lib" + *uri.module_name + ".so"}) {
        std::error_code ec;
        const std::string candidate = std::string(dir) + "/" + file;
        if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
      }
    }
    return fail(Errc::kKeyUnavailable, "PKCS#11 module-name=" + *uri.module_name +
                                           " not found in the library directories");
  } else if (const char* env = std::getenv("SIGNET_PKCS11_MODULE"); env != nullptr && *env) {
    path = env;
    origin = "SIGNET_PKCS11_MODULE";
  } else {
    path = kDefaultModule;
    origin = "the default module";
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return fail(Errc::kKeyUnavailable,
                "PKCS#11 module not found: " + path + " (from " + origin + ")");
  }
  return path;
}

std::mutex& registry_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::map<std::string, std::weak_ptr<Module>>& registry() {
  static std::map<std::string, std::weak_ptr<Module>> modules;
  return modules;
}

// The live Module for `path`, or a newly loaded one with its slots enumerated.
Result<std::shared_ptr<Module>> acquire_module(const std::string& path) {
  std::error_code ec;
  std::string key = std::filesystem::canonical(path, ec).string();
  if (ec) key = path;
  const std::lock_guard lock(registry_mutex());
  auto& modules = registry();
  std::erase_if(modules, [](const auto& entry) { return entry.second.expired(); });
  if (auto found = modules.find(key); found != modules.end()) {
    if (auto live = found->second.lock()) return live;
  }
  auto module = std::make_shared<Module>();
  module->path = path;
  ERR_clear_error();
  module->ctx = PKCS11_CTX_new();
  if (module->ctx == nullptr) {
    return fail(Errc::kKeyUnavailable, "cannot create a libp11 context: " + drain_errors());
  }
  if (PKCS11_CTX_load(module->ctx, path.c_str()) != 0) {
    return fail(Errc::kKeyUnavailable,
                "cannot load PKCS#11 module " + path + ": " + drain_errors());
  }
  module->loaded = true;
  if (PKCS11_enumerate_slots(module->ctx, &module->slots, &module->nslots) != 0) {
    module->slots = nullptr;
    module->nslots = 0;
    return fail(Errc::kKeyUnavailable,
                "cannot list the slots of PKCS#11 module " + path + ": " + drain_errors());
  }
  modules[key] = module;
  return module;
}

}  // namespace

struct Pkcs11Key::Impl {
  std::shared_ptr<Module> module;
  EvpPkeyPtr pkey;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    if (pkey && module) {
      const std::lock_guard lock(module->mutex);
      pkey.reset();
    }
    pkey.reset();
    module.reset();  // the last reference releases slots, unloads and frees the context
  }
};

namespace {

bool matches(const std::optional<std::string>& wanted, const char* actual) {
  return !wanted || *wanted == (actual != nullptr ? actual : "");
}

std::string label_of(const char* label) { return label != nullptr ? label : ""; }

std::string describe_token_criteria(const Pkcs11Uri& uri) {
  std::string out;
  auto add = [&](std::string_view name, const std::optional<std::string>& value) {
    if (!value) return;
    if (!out.empty()) out += ';';
    out += std::string(name) + "=" + *value;
  };
  add("token", uri.token);
  add("manufacturer", uri.manufacturer);
  add("model", uri.model);
  add("serial", uri.serial);
  add("slot-description", uri.slot_description);
  add("slot-manufacturer", uri.slot_manufacturer);
  if (uri.slot_id) add("slot-id", std::to_string(*uri.slot_id));
  return out.empty() ? "(any)" : out;
}

std::string describe_key_criteria(const Pkcs11Uri& uri) {
  std::string out;
  if (uri.object) out = "object=" + *uri.object;
  if (uri.id) out += (out.empty() ? "id=" : ";id=") + to_hex(*uri.id);
  return out.empty() ? "(any)" : out;
}

std::string describe_key(const PKCS11_KEY& key) {
  std::string out = key.label != nullptr ? key.label : "(no label)";
  if (key.id != nullptr && key.id_len > 0) {
    out += " (id " + to_hex(std::span<const std::uint8_t>(key.id, key.id_len)) + ")";
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  if (items.empty()) return "none";
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

Result<PKCS11_SLOT*> find_slot(Module& module, const Pkcs11Uri& uri) {
  std::vector<std::string> present;
  std::vector<PKCS11_SLOT*> found;
  for (unsigned int i = 0; i < module.nslots; ++i) {
    PKCS11_SLOT* slot = &module.slots[i];
    const PKCS11_TOKEN* token = slot->token;
    if (token == nullptr || !token->initialized) continue;
    present.push_back(label_of(token->label));
    if (matches(uri.token, token->label) && matches(uri.manufacturer, token->manufacturer) &&
        matches(uri.model, token->model) && matches(uri.serial, token->serialnr) &&
        matches(uri.slot_description, slot->description) &&
        matches(uri.slot_manufacturer, slot->manufacturer) &&
        (!uri.slot_id || *uri.slot_id == PKCS11_get_slotid_from_slot(slot))) {
      found.push_back(slot);
    }
  }
  if (found.empty()) {
    return fail(Errc::kKeyUnavailable, "no token matching " + describe_token_criteria(uri) +
                                           "; tokens present: " + join(present) +
                                           " (PKCS#11 module " + module.path + ")");
  }
  if (found.size() > 1) {
    std::vector<std::string> labels;
    for (const PKCS11_SLOT* slot : found) labels.push_back(label_of(slot->token->label));
    return fail(Errc::kKeyUnavailable,
                std::to_string(found.size()) + " tokens match " + describe_token_criteria(uri) +
                    " (" + join(labels) +
                    "); make the pkcs11 URI more specific with token=, serial= or slot-id=");
  }
  return found.front();
}

Result<void> log_in(Module& module, PKCS11_SLOT* slot, const SecretBuffer& pin) {
  PKCS11_TOKEN* token = slot->token;
  const std::string label = label_of(token->label);
  if (!token->loginRequired) return {};
  const unsigned long slot_id = PKCS11_get_slotid_from_slot(slot);

  int logged_in = 0;
  if (PKCS11_is_logged_in(slot, 0, &logged_in) == 0 && logged_in) {
    // libp11 would not ask the token again: compare with the PIN the token accepted.
    const auto accepted = module.accepted_pins.find(slot_id);
    if (accepted == module.accepted_pins.end() || !accepted->second.equals(pin.view())) {
      return fail(Errc::kKeyUnavailable, "PIN rejected by token " + label);
    }
    return {};
  }
  if (token->userPinLocked) {
    return fail(Errc::kKeyUnavailable, "the user PIN of token " + label +
                                           " is locked; its security officer must unlock it");
  }
  if (pin.empty() && !token->secureLogin) {
    return fail(Errc::kKeyUnavailable,
                "no PIN: set pin-source in the URI or SIGNET_PKCS11_PIN (token " + label +
                    " requires a login)");
  }
  ERR_clear_error();
  // With an empty PIN and a protected authentication path, the token asks on its own PIN pad.
  if (PKCS11_login(slot, 0, pin.empty() ? nullptr : pin.c_str()) != 0) {
    const unsigned long err = ERR_peek_last_error();
    const int reason = ERR_GET_LIB(err) == ERR_get_CKR_code() ? ERR_GET_REASON(err) : 0;
    const std::string detail = drain_errors();
    switch (reason) {
      case 0xA0:  // CKR_PIN_INCORRECT
      case 0xA1:  // CKR_PIN_INVALID
      case 0xA2:  // CKR_PIN_LEN_RANGE
        return fail(Errc::kKeyUnavailable,
                    "PIN rejected by token " + label +
                        " (not retried: tokens lock after a few failed attempts)");
      case 0xA3:  // CKR_PIN_EXPIRED
        return fail(Errc::kKeyUnavailable, "the PIN of token " + label + " has expired");
      case 0xA4:  // CKR_PIN_LOCKED
        return fail(Errc::kKeyUnavailable, "the user PIN of token " + label + " is locked");
      default:
        return fail(Errc::kKeyUnavailable, "login to token " + label + " failed: " + detail);
    }
  }
  module.accepted_pins.insert_or_assign(slot_id, SecretBuffer(pin.view()));
  return {};
}

Result<PKCS11_KEY*> find_private_key(PKCS11_TOKEN* token, const Pkcs11Uri& uri) {
  const std::string label = label_of(token->label);
  PKCS11_KEY* keys = nullptr;
  unsigned int nkeys = 0;
  ERR_clear_error();
  if (PKCS11_enumerate_keys(token, &keys, &nkeys) != 0) {
    return fail(Errc::kKeyUnavailable,
                "cannot list the keys of token " + label + ": " + drain_errors());
  }
  std::vector<std::string> present;
  std::vector<PKCS11_KEY*> found;
  for (unsigned int i = 0; keys != nullptr && i < nkeys; ++i) {
    PKCS11_KEY& key = keys[i];
    if (!key.isPrivate) continue;
    present.push_back(describe_key(key));
    const bool label_ok = !uri.object || (key.label != nullptr && *uri.object == key.label);
    const bool id_ok =
        !uri.id || (uri.id->size() == key.id_len &&
                    (key.id_len == 0 ||
                     (key.id != nullptr && std::memcmp(uri.id->data(), key.id, key.id_len) == 0)));
    if (label_ok && id_ok) found.push_back(&key);
  }
  if (found.empty()) {
    return fail(Errc::kKeyUnavailable, "no private key " + describe_key_criteria(uri) +
                                           " in token " + label +
                                           "; keys present: " + join(present));
  }
  if (found.size() > 1) {
    std::vector<std::string> names;
    for (const PKCS11_KEY* key : found) names.push_back(describe_key(*key));
    return fail(Errc::kKeyUnavailable, std::to_string(found.size()) + " private keys match " +
                                           describe_key_criteria(uri) + " in token " + label +
                                           " (" + join(names) +
                                           "); add object= or id= to the pkcs11 URI");
  }
  return found.front();
}

}  // namespace

Result<std::unique_ptr<Pkcs11Key>> Pkcs11Key::open(const Pkcs11Uri& uri, const SecretBuffer& pin) {
  if (uri.type && *uri.type != "private") {
    return fail(Errc::kUsage, "pkcs11 URI has type=" + *uri.type +
                                  ": signing needs a private key (type=private)");
  }
  if (uri.library_version) {
    return fail(Errc::kUsage,
                "pkcs11 URI: library-version cannot be checked by signet; remove it from the URI");
  }
  auto module_path = resolve_module_path(uri);
  if (!module_path) return std::unexpected(module_path.error());
  auto module = acquire_module(*module_path);
  if (!module) return std::unexpected(module.error());

  auto impl = std::make_unique<Impl>();
  impl->module = *module;
  Module& mod = *impl->module;
  const std::lock_guard lock(mod.mutex);
  if (!matches(uri.library_manufacturer, mod.ctx->manufacturer) ||
      !matches(uri.library_description, mod.ctx->description)) {
    return fail(Errc::kKeyUnavailable,
                "PKCS#11 module " + mod.path + " is \"" + label_of(mod.ctx->manufacturer) + " / " +
                    label_of(mod.ctx->description) +
                    "\", not the library-manufacturer / library-description in the URI");
  }
  auto slot = find_slot(mod, uri);
  if (!slot) return std::unexpected(slot.error());
  if (auto logged_in = log_in(mod, *slot, pin); !logged_in) {
    return std::unexpected(logged_in.error());
  }
  auto key = find_private_key((*slot)->token, uri);
  if (!key) return std::unexpected(key.error());

  ERR_clear_error();
  impl->pkey.reset(PKCS11_get_private_key(*key));
  if (!impl->pkey) {
    return fail(Errc::kKeyUnavailable, "cannot use private key " + describe_key(**key) +
                                           " in token " + label_of((*slot)->token->label) + ": " +
                                           drain_errors());
  }
  ERR_clear_error();  // libp11 may leave notes from probing the token behind
  return std::unique_ptr<Pkcs11Key>(new Pkcs11Key(std::move(impl)));
}

Pkcs11Key::Pkcs11Key(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Pkcs11Key::~Pkcs11Key() = default;

EVP_PKEY* Pkcs11Key::pkey() const noexcept { return impl_ ? impl_->pkey.get() : nullptr; }

}  // namespace signet::crypto
