// Start-up: the header (magic, version, region addresses and geometry) and
// the layout table are written once, when the module is instantiated, so
// that even a fresh core's memory is a decodable snapshot.

import {
  HEADER_BASE, HEADER_SIZE, LAYOUT_BASE, MAGIC, LAYOUT_VERSION, H_MAGIC, H_VERSION, H_SIZE, H_LAYOUT_OFF,
  H_EVENTS_OFF, H_EVENTS_CAP, H_READY_OFF, H_READY_CAP, H_DESC_DIR_OFF, H_DESC_DIR_CAP, H_DESC_SIZE,
  H_DESC_PER_BLOCK, H_TIMER_DIR_OFF, H_TIMER_DIR_CAP, H_TIMER_SIZE, H_TIMER_PER_BLOCK, H_CHUNK_BASE, H_BUMP,
  EVENTS_BASE, EVENT_CAPACITY, READY_BASE, READY_CAPACITY, DESC_DIR_BASE, DESC_DIR_CAPACITY, DESC_SIZE,
  DESC_PER_BLOCK, TIMER_DIR_BASE, TIMER_DIR_CAPACITY, TIMER_SIZE, TIMER_PER_BLOCK, CHUNK_BASE,
} from "./layout";
import { writeLayoutTable } from "./layout_table";

export function writeHeader(): void {
  // Static data (abort messages) must end below the header.
  assert(__heap_base <= HEADER_BASE, "static data overlaps the header");
  const h = HEADER_BASE;
  store<u32>(h + H_MAGIC, MAGIC);
  store<u32>(h + H_VERSION, LAYOUT_VERSION);
  store<u32>(h + H_SIZE, HEADER_SIZE);
  store<u32>(h + H_LAYOUT_OFF, LAYOUT_BASE);
  store<u32>(h + H_EVENTS_OFF, EVENTS_BASE);
  store<u32>(h + H_EVENTS_CAP, EVENT_CAPACITY);
  store<u32>(h + H_READY_OFF, READY_BASE);
  store<u32>(h + H_READY_CAP, READY_CAPACITY);
  store<u32>(h + H_DESC_DIR_OFF, DESC_DIR_BASE);
  store<u32>(h + H_DESC_DIR_CAP, DESC_DIR_CAPACITY);
  store<u32>(h + H_DESC_SIZE, DESC_SIZE);
  store<u32>(h + H_DESC_PER_BLOCK, DESC_PER_BLOCK);
  store<u32>(h + H_TIMER_DIR_OFF, TIMER_DIR_BASE);
  store<u32>(h + H_TIMER_DIR_CAP, TIMER_DIR_CAPACITY);
  store<u32>(h + H_TIMER_SIZE, TIMER_SIZE);
  store<u32>(h + H_TIMER_PER_BLOCK, TIMER_PER_BLOCK);
  store<u32>(h + H_CHUNK_BASE, CHUNK_BASE);
  store<u32>(h + H_BUMP, CHUNK_BASE);
  writeLayoutTable();
}
