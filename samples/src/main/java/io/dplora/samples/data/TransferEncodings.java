package io.dplora.samples.data;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Base64;

/**
 * Lenient decoders for the MIME content-transfer-encodings (RFC 2045 §6.7 quoted-printable, §6.8 base64). Real mail
 * (spam above all) breaks the rules, so both decoders accept what they can and never throw.
 */
public final class TransferEncodings {

    private TransferEncodings() {
    }

    /**
     * Quoted-printable: {@code =XX} (hex, either case) becomes that byte, {@code =} at the end of a line (soft line
     * break, optionally followed by spaces/tabs and CR) joins the lines, and any other {@code =} is kept literally.
     */
    public static byte[] decodeQuotedPrintable(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        int i = 0;
        while (i < in.length) {
            byte b = in[i];
            if (b != '=') {
                out.write(b);
                i++;
                continue;
            }
            int j = i + 1;
            while (j < in.length && (in[j] == ' ' || in[j] == '\t')) {
                j++;
            }
            if (j < in.length && in[j] == '\r') {
                j++;
            }
            if (j >= in.length || in[j] == '\n') {
                i = Math.min(j + 1, in.length); // soft line break
                continue;
            }
            if (i + 2 < in.length && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
                out.write(hex(in[i + 1]) * 16 + hex(in[i + 2]));
                i += 3;
                continue;
            }
            out.write(b); // a stray '=' stays as it is
            i++;
        }
        return out.toByteArray();
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }

    /**
     * Base64 with the JDK's MIME decoder ({@link Base64#getMimeDecoder()}: characters outside the alphabet, such as
     * line breaks, spaces and stray symbols, are ignored). Two leniencies real mail needs on top: decoding stops at the
     * first {@code =} padding (text after it is ignored), and a dangling final character, which carries less than one
     * byte and which the JDK decoder rejects, is dropped.
     *
     * @return the decoded bytes, or {@code null} when the input does not look like base64 at all (more than a tenth
     *         of its non-white-space characters are outside the alphabet)
     */
    public static byte[] decodeBase64(byte[] in) {
        int foreign = 0;
        int nonSpace = 0;
        int symbols = 0;
        int end = in.length;
        int lastSymbol = -1;
        for (int i = 0; i < in.length; i++) {
            char c = (char) (in[i] & 0xFF);
            if (Character.isWhitespace(c)) {
                continue;
            }
            nonSpace++;
            if (c == '=') {
                if (end == in.length) {
                    end = i;
                }
            } else if (isBase64(c)) {
                if (end == in.length) {
                    symbols++;
                    lastSymbol = i;
                }
            } else {
                foreign++;
            }
        }
        if (foreign * 10 > nonSpace) {
            return null;
        }
        if (symbols % 4 == 1) {
            end = lastSymbol;
        }
        return Base64.getMimeDecoder().decode(Arrays.copyOf(in, end));
    }

    private static boolean isBase64(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    }
}
