/* sluice_plugin.h: the stable C ABI of sluice plugins, version 1.
 *
 * The same ABI as the Rust crate sluice-plugin-abi; a test keeps the two in sync.
 * Every struct starts with struct_size and only ever grows at the end.
 * See docs/plugins.md for the rules. */
#ifndef SLUICE_PLUGIN_H
#define SLUICE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The Arrow C data and stream interfaces, as published by Apache Arrow. */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE
#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4
struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};
struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};
#endif
#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE
struct ArrowArrayStream {
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);
  void (*release)(struct ArrowArrayStream*);
  void* private_data;
};
#endif

#define SLUICE_PLUGIN_ABI_VERSION 1
#define SLUICE_PLUGIN_ABI_MIN_VERSION 1
#define SLUICE_PLUGIN_INIT_SYMBOL "sluice_plugin_init"

#define SLUICE_STATUS_OK 0
#define SLUICE_STATUS_UNSUPPORTED_VERSION 1
#define SLUICE_STATUS_INVALID_ARGUMENT 2
#define SLUICE_STATUS_IO 3
#define SLUICE_STATUS_PARSE 4
#define SLUICE_STATUS_UNSUPPORTED 5
#define SLUICE_STATUS_NOT_FOUND 6
#define SLUICE_STATUS_PANIC 7
#define SLUICE_STATUS_POISONED 8
#define SLUICE_STATUS_INTERNAL 9

#define SLUICE_SNIFF_NO 0
#define SLUICE_SNIFF_MAYBE 1
#define SLUICE_SNIFF_YES 2

#define SLUICE_ACCESS_SEQUENTIAL 0
#define SLUICE_ACCESS_RANDOM 1

/* An error: the receiver zero-fills it and sets struct_size; on failure the callee sets
 * message (NUL-terminated UTF-8, never empty) and release; the receiver calls release
 * once after reading the message. */
struct SluiceError {
  size_t struct_size;
  char* message;
  void (*release)(struct SluiceError* error);
  void* private_data;
};

struct SluiceHost {
  size_t struct_size;
  uint32_t abi_version;
  const char* host_version;
};

/* The host's bytes. open() takes ownership: copy the struct, set the original's release to
 * NULL, and call release(ctx) once when done. */
struct SluiceInput {
  size_t struct_size;
  void* ctx;
  const char* location;
  int32_t (*read)(void* ctx, uint8_t* buf, size_t len, size_t* out_read,
                  struct SluiceError* out_error);
  int32_t (*read_at)(void* ctx, uint64_t offset, uint8_t* buf, size_t len, size_t* out_read,
                     struct SluiceError* out_error);
  int32_t (*size)(void* ctx, uint64_t* out_size);
  void (*release)(void* ctx);
  int32_t (*rewind)(void* ctx, struct SluiceError* out_error);
};

struct SluiceFormat {
  size_t struct_size;
  const char* name;
  const char* const* extensions; /* NULL-terminated */
  uint32_t access;
  int32_t priority;
  int32_t (*sniff)(const struct SluiceFormat* format, const uint8_t* head, size_t len,
                   int32_t complete, const char* name);
  int32_t (*validate_options)(const struct SluiceFormat* format, const char* options_json,
                              struct SluiceError* out_error);
  int32_t (*open)(const struct SluiceFormat* format, struct SluiceInput* input,
                  const char* options_json, struct ArrowArrayStream* out_stream,
                  struct SluiceError* out_error);
  void* private_data;
};

struct SluiceDescriptor {
  size_t struct_size;
  uint32_t abi_version;
  const char* name;
  const char* version;
  size_t num_formats;
  const struct SluiceFormat* const* formats;
};

typedef int32_t (*SluicePluginInit)(uint32_t abi_version, const struct SluiceHost* host,
                                    const struct SluiceDescriptor** out,
                                    struct SluiceError* out_error);

/* Every plugin exports this symbol. */
int32_t sluice_plugin_init(uint32_t abi_version, const struct SluiceHost* host,
                           const struct SluiceDescriptor** out, struct SluiceError* out_error);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_PLUGIN_H */
