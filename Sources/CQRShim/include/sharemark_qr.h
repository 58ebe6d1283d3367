#ifndef SHAREMARK_QR_H
#define SHAREMARK_QR_H

#include <qrencode.h>

/* The same symbols as QRcode_encodeString(text, version, level, QR_MODE_8, casesensitive) and
 * QRcode_encodeData(size, data, version, level), byte for byte, with libqrencode's mask choice
 * made by a faster evaluation of the same penalty rules (see sharemark_qr.c). NULL with errno
 * set, as libqrencode's own calls. Free the result with QRcode_free. */
QRcode *sharemark_qr_encode_string(const char *text, int version, QRecLevel level, int casesensitive);
QRcode *sharemark_qr_encode_data(int size, const unsigned char *data, int version, QRecLevel level);

#endif
