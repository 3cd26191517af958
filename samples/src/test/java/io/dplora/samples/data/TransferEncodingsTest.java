package io.dplora.samples.data;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class TransferEncodingsTest {

    private static String qp(String encoded) {
        return new String(TransferEncodings.decodeQuotedPrintable(encoded.getBytes(StandardCharsets.ISO_8859_1)),
                StandardCharsets.ISO_8859_1);
    }

    @Test
    void quotedPrintableDecodesHexEscapesAndSoftBreaks() {
        // RFC 2045 §6.7 examples: =3D is '=', =E9 is é in Latin-1, "=" at line end joins lines
        assertEquals("a=b caf\u00e9", qp("a=3Db caf=E9"));
        assertEquals("one long line", qp("one lo=\nng line"));
        assertEquals("one long line", qp("one lo=  \r\nng line"));
        assertEquals("lower case =e9 ok \u00e9", qp("lower case =3De9 ok =e9"));
    }

    @Test
    void quotedPrintableKeepsStrayEqualsSigns() {
        assertEquals("x = y and =Z", qp("x = y and =Z"));
        assertEquals("ends with =4", qp("ends with =4"));
        assertEquals("trailing", qp("trailing="));
    }

    @Test
    void base64MatchesTheJdkEncoderOnRandomBytes() {
        Random r = new Random(7);
        for (int len = 0; len < 200; len += 7) {
            byte[] data = new byte[len];
            r.nextBytes(data);
            byte[] mime = Base64.getMimeEncoder().encode(data); // 76-character lines with CRLF
            assertArrayEquals(data, TransferEncodings.decodeBase64(mime), "length " + len);
        }
    }

    @Test
    void base64ToleratesMissingPaddingAndJunkLines() {
        byte[] data = "Hello, world!".getBytes(StandardCharsets.US_ASCII);
        String enc = Base64.getEncoder().withoutPadding().encodeToString(data);
        assertArrayEquals(data, TransferEncodings.decodeBase64((" " + enc.substring(0, 8) + "\n" + enc.substring(8)
                + "\n\n").getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void textThatIsNotBase64IsReportedAsUndecodable() {
        assertNull(TransferEncodings.decodeBase64("<html><body>Hi there, (friend)!</body></html>"
                .getBytes(StandardCharsets.US_ASCII)));
    }
}
