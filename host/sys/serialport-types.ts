/**
 * The shapes of @serialport/bindings-interface 1.x (BindingInterface and the
 * option and status objects its ports take and give), written out here so
 * the published declarations need no serialport package: they are
 * structural, and test/sys/serialport-binding.test.ts checks that
 * NetpollBinding is assignable to the package's own BindingInterface.
 */

export interface SerialportOpenOptions {
  path: string;
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  lock?: boolean;
  stopBits?: 1 | 1.5 | 2;
  parity?: string;
  rtscts?: boolean;
  xon?: boolean;
  xoff?: boolean;
  xany?: boolean;
  hupcl?: boolean;
}

export interface SerialportUpdateOptions {
  baudRate: number;
}

export interface SerialportSetOptions {
  brk?: boolean;
  cts?: boolean;
  dsr?: boolean;
  dtr?: boolean;
  rts?: boolean;
}

export interface SerialportStatus {
  cts: boolean;
  dsr: boolean;
  dcd: boolean;
}

export interface SerialportBindingPort {
  readonly openOptions: Required<SerialportOpenOptions>;
  isOpen: boolean;
  close(): Promise<void>;
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }>;
  write(buffer: Buffer): Promise<void>;
  update(options: SerialportUpdateOptions): Promise<void>;
  set(options: SerialportSetOptions): Promise<void>;
  get(): Promise<SerialportStatus>;
  getBaudRate(): Promise<{ baudRate: number }>;
  flush(): Promise<void>;
  drain(): Promise<void>;
}

export interface SerialportBinding<Port extends SerialportBindingPort, Options extends SerialportOpenOptions, Info> {
  list(): Promise<Info[]>;
  open(options: Options): Promise<Port>;
}
