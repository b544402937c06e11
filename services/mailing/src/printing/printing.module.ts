import { Module } from '@nestjs/common';
import { CONFIG } from '@switchboard/service';
import type { MailingConfig } from '../config.ts';
import { IppPrinter } from './ipp-printer.ts';
import { PRINTER } from './printer.ts';
import { SpoolPrinter } from './spool-printer.ts';

/** The printer campaign letters go to: PRINTER_URL's IPP printer when set, else the print spool. */
@Module({
  providers: [
    {
      provide: PRINTER,
      inject: [CONFIG],
      useFactory: (config: MailingConfig) =>
        config.printerUrl ? new IppPrinter(config.printerUrl) : new SpoolPrinter(config.printSpoolDir),
    },
  ],
  exports: [PRINTER],
})
export class PrintingModule {}
