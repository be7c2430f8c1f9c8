/* SPDX-License-Identifier: MIT */
/*
 * Intel's ISA-L (Debian's libisal2), loaded with dlopen on first use
 * (util/dlopen.h): its igzip inflates gzip about twice as fast as zlib on
 * these machines (a 70 MB layer: 0.15 s against 0.30 s), and gunzip is
 * most of the CPU a pull spends (bench/pull). Optional: without the
 * library, layers are decompressed by libarchive (zlib) as before.
 */
#ifndef HULL_IMAGE_ISAL_DL_H
#define HULL_IMAGE_ISAL_DL_H

#include <isa-l/igzip_lib.h>
#include "util/err.h"

#define ISAL_DL_SYMBOLS(X)    \
	X(isal_inflate_init)  \
	X(isal_inflate_reset) \
	X(isal_inflate)

#define ISAL_DL_DECLARE(name) extern __typeof__(name) *sym_##name;
ISAL_DL_SYMBOLS(ISAL_DL_DECLARE)
#undef ISAL_DL_DECLARE

/*
 * isal_dl_load() - load libisal.so.2 once (thread-safe); 0, or -EOPNOTSUPP
 * with a message when it is missing (callers then use zlib through
 * libarchive). HULL_NO_ISAL=1 in the environment refuses it, so that the
 * zlib path can be tested and measured on a machine that has ISA-L.
 */
int isal_dl_load(struct hull_err **err);

#endif
