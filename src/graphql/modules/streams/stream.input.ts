import { Field, InputType } from 'type-graphql';

@InputType()
export class CreateStreamInput {
  @Field(() => String, { description: 'Lowercase letters, digits and _, starting with a letter (at most 63).' })
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { defaultValue: 'ts', description: 'Field (or dotted path) holding each event\'s time.' })
  timestampField!: string;

  @Field(() => String, { nullable: true, description: 'Watermark delay such as "5s"; defaults to the server setting.' })
  watermarkDelay?: string | null;
}
