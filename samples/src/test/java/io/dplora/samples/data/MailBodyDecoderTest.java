package io.dplora.samples.data;

import org.junit.jupiter.api.Test;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Decoding of small generated mails. */
class MailBodyDecoderTest {

    private static MailBodyDecoder.Decoded decode(String mail) {
        return MailBodyDecoder.decode(mail.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void dropsHeadersAndSplitsAtTheFirstEmptyLine() {
        String mail = "From: Alice Example <alice@example.org>\nSubject: hi\n\nBody line 1\n\nBody line 2\n";
        assertEquals("Body line 1\n\nBody line 2", decode(mail).text());
        assertEquals("body", decode("From: a\r\nTo: b\r\n\r\nbody\r\n").text());
        assertEquals("", decode("From: a\nSubject: only headers\n").text());
    }

    @Test
    void decodesQuotedPrintableWithItsCharset() {
        String mail = "Content-Type: text/plain; charset=\"iso-8859-1\"\nContent-Transfer-Encoding: quoted-printable\n"
                + "\nCaf=E9 cr=E8me, 2+2=3D4, a soft=\n break\n";
        assertEquals("Caf\u00e9 cr\u00e8me, 2+2=4, a soft break", decode(mail).text());
    }

    @Test
    void decodesBase64Utf8() {
        String body = Base64.getMimeEncoder().encodeToString("Grüße aus Köln – ünïcödé".getBytes(StandardCharsets.UTF_8));
        String mail = "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: BASE64\n\n" + body + "\n";
        assertEquals("Grüße aus Köln – ünïcödé", decode(mail).text());
    }

    @Test
    void reducesHtmlBodiesToText() {
        String mail = "Content-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n"
                + "<html><body bgcolor=3D\"black\"><p>Click <a href=3D\"http://x\">here</a> &amp; win=\n"
                + "!</p></body></html>\n";
        assertEquals("Click here & win!", decode(mail).text());
    }

    @Test
    void undeclaredHtmlIsDetected() {
        assertEquals("Hello\nWorld", decode("Subject: x\n\n<HTML><BODY>Hello<BR>World</BODY></HTML>").text());
    }

    @Test
    void alternativeKeepsTheLongestTextAndMixedJoinsTextParts() {
        String mail = "Content-Type: multipart/mixed; boundary=\"outer\"\n\npreamble\n"
                + "--outer\nContent-Type: multipart/alternative; boundary=outer-alt\n\n"
                + "--outer-alt\nContent-Type: text/plain\n\nSee HTML.\n"
                + "--outer-alt\nContent-Type: text/html\nContent-Transfer-Encoding: base64\n\n"
                + Base64.getMimeEncoder().encodeToString("<p>The real offer text</p>".getBytes(StandardCharsets.US_ASCII))
                + "\n--outer-alt--\n"
                + "--outer\nContent-Type: image/gif\nContent-Transfer-Encoding: base64\n\nR0lGODlhAQABAAAAACw=\n"
                + "--outer\nContent-Type: text/plain; charset=us-ascii\n\nSecond text part.\n"
                + "--outer--\nepilogue\n";
        MailBodyDecoder.Decoded d = decode(mail);
        assertEquals("The real offer text\n\nSecond text part.", d.text());
        assertEquals(1, d.skippedParts());
    }

    @Test
    void nestedForwardedMessageContributesItsBodyOnly() {
        String mail = "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nSee below.\n"
                + "--b\nContent-Type: message/rfc822\n\nFrom: secret@example.org\nSubject: s\n\nInner body.\n--b--\n";
        assertEquals("See below.\n\nInner body.", decode(mail).text());
    }

    @Test
    void bodiesThatAreNotUtf8FallBackToWindows1252() {
        byte[] head = "Subject: x\n\n".getBytes(StandardCharsets.US_ASCII);
        byte[] body = "na\u00efve \u201cquotes\u201d".getBytes(Charset.forName("windows-1252"));
        byte[] mail = new byte[head.length + body.length];
        System.arraycopy(head, 0, mail, 0, head.length);
        System.arraycopy(body, 0, mail, head.length, body.length);
        assertEquals("na\u00efve \u201cquotes\u201d", MailBodyDecoder.decode(mail).text());
    }

    @Test
    void unknownCharsetNamesAndNonBase64DoNotThrow() {
        assertEquals("plain", decode("Content-Type: text/plain; charset=\"default_charset\"\n\nplain").text());
        MailBodyDecoder.Decoded d = decode("Content-Transfer-Encoding: base64\n\n<p>not (base64) at all!</p>");
        assertEquals("", d.text());
        assertEquals(1, d.undecodableParts());
    }

    @Test
    void contentTypeParametersAreParsed() {
        String ct = "multipart/alternative;\n boundary=\"----=_NextPart_000\"; charset=UTF-8";
        assertEquals("----=_NextPart_000", MailBodyDecoder.parameter(ct, "boundary"));
        assertEquals("UTF-8", MailBodyDecoder.parameter(ct, "CHARSET"));
    }
}
