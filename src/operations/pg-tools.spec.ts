import { libpqEnvironment } from './pg-tools';

describe('libpqEnvironment (the connection given to pg_dump and pg_restore)', () => {
  it('carries host, port, user, password and database, decoded, and the TLS options', () => {
    expect(
      libpqEnvironment(
        'postgres://pn%40dept:p%C3%A0ss%2Fw@db.example:6432/pass_numerique?sslmode=verify-full&sslrootcert=/etc/ca.pem',
      ),
    ).toEqual({
      PGHOST: 'db.example',
      PGPORT: '6432',
      PGUSER: 'pn@dept',
      PGPASSWORD: 'pàss/w',
      PGDATABASE: 'pass_numerique',
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: '/etc/ca.pem',
    });
    expect(libpqEnvironment('postgres://u:p@h/db?ssl=true')).toMatchObject({
      PGSSLMODE: 'require',
    });
  });

  it('refuses an option it would otherwise drop (a backup must not connect less safely than the service)', () => {
    expect(() => libpqEnvironment('postgres://u:p@h/db?sslnegotiation=direct')).toThrow(
      /option "sslnegotiation" is not understood/,
    );
  });
});
