import { Logger } from '@nestjs/common';
import { parisToday, shiftDay } from '../common/dates';
import type { AppConfig } from '../config/app-config';

/** How many days ahead reminders warn of an end. */
export const REMINDER_DAYS = 30;

/** The days a reminder covers from `today`: ends from today to REMINDER_DAYS later. */
export function reminderWindow(today = parisToday()): { from: string; to: string } {
  return { from: today, to: shiftDay(today, REMINDER_DAYS) };
}

/**
 * A daily reminder run by @Cron: skipped when REMINDERS_JOB_ENABLED is off, its failure logged
 * (the next day's run writes what this one missed: reminders are deduplicated, not dated).
 */
export async function runReminder(
  logger: Logger,
  config: AppConfig,
  what: string,
  run: () => Promise<number>,
): Promise<void> {
  if (!config.get('REMINDERS_JOB_ENABLED')) return;
  try {
    logger.log(`${what}: ${await run()} messages written`);
  } catch (err) {
    logger.error({ err }, `${what} failed; it runs again tomorrow`);
  }
}
