/**
 * The uploader's columns for Microsoft's sample HR export (test/fixtures/upload/csv-with-*.csv):
 * SCIM attribute → expression over the CSV columns. No imports, so that bench/upload.child.ts,
 * compiled alone with lib/ to measure the engine's memory, can load it too.
 */
export const SAMPLE_COLUMNS: Record<string, string> = {
  externalId: "[WorkerID]",
  userName: "[UserID]",
  active: 'IIF([WorkerStatus]="Active", "True", "False")',
  "name.givenName": "[FirstName]",
  "name.familyName": "[LastName]",
  displayName: "[FullName]",
  title: "[JobTitle]",
  userType: "[WorkerType]",
  'addresses[type eq "work"].locality': "[City]",
  'addresses[type eq "work"].postalCode': "[ZipCode]",
  'phoneNumbers[type eq "work"].value': "[OfficePhone]",
  "enterprise:employeeNumber": "[WorkerID]",
  "enterprise:department": "[Department]",
  "enterprise:manager.value": "[ManagerID]",
  "ext:HireDate": "[HireDate]",
  "ext:OnLeave": "[OnLeave]",
};
