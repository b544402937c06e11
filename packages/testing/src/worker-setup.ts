// Runs in every integration test worker before its test files.
import { silenceKafkajsTimerWarning } from '@switchboard/messaging';

silenceKafkajsTimerWarning();
