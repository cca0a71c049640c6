import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import type { ParleyFunction } from './function.js';

export interface ParleyMailProps {
  /** The sender address of every Parley e-mail (CDK context `parley:mailFrom`). */
  readonly mailFrom: string;
}

/**
 * SES sending (DESIGN §1, §5): an e-mail identity for the sender address and a configuration set
 * (reputation metrics, bounce/complaint suppression). New accounts are in the SES sandbox and must
 * verify the address (SES sends a link on deploy) and request production access; see
 * docs/operations.md.
 */
export class ParleyMail extends Construct {
  /** The sender address. */
  readonly mailFrom: string;
  /** The verified sender identity. */
  readonly identity: ses.EmailIdentity;
  /** The configuration set every message is sent with. */
  readonly configurationSet: ses.ConfigurationSet;
  /** ARN of the configuration set. */
  readonly configurationSetArn: string;

  constructor(scope: Construct, id: string, props: ParleyMailProps) {
    super(scope, id);
    this.mailFrom = props.mailFrom;

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.configurationSetArn = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    this.identity = new ses.EmailIdentity(this, 'Sender', {
      identity: ses.Identity.email(props.mailFrom),
      configurationSet: this.configurationSet,
    });
  }

  /**
   * Lets `fn` send mail from the Parley sender only (ses:SendEmail/SendRawEmail on the identity
   * and the configuration set, with `ses:FromAddress` pinned), and tells it the sender and
   * configuration set (`MAIL_FROM`, `MAIL_CONFIGURATION_SET`).
   */
  grantSend(fn: ParleyFunction): void {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ParleySendMail',
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [this.identity.emailIdentityArn, this.configurationSetArn],
        conditions: { StringEquals: { 'ses:FromAddress': this.mailFrom } },
      }),
    );
    fn.addEnvironment('MAIL_FROM', this.mailFrom);
    fn.addEnvironment('MAIL_CONFIGURATION_SET', this.configurationSet.configurationSetName);
  }
}
