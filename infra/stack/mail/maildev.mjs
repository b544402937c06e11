// Starts MailDev as its own command does (same options and variables), but keeps it running when
// one client's TLS handshake fails. MailDev 2.2 rethrows every error of its SMTP server except a
// read reset, so a client that hangs up during the handshake (one that does not trust the
// certificate, a port scan) would end the server for every other client.
import MailDev from 'maildev';
import mailServer from 'maildev/lib/mailserver.js';

const rethrowOthers = mailServer.onSmtpError;
mailServer.onSmtpError = (error) => {
  if (error?.code === 'SocketError') {
    process.stderr.write(`MailDev: one SMTP connection failed (${error.message}); serving the others\n`);
    return;
  }
  rethrowOthers(error);
};

new MailDev().listen();
